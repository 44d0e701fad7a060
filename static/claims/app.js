// Page-wide behaviour that needs no server round trip. Annotation lives in annotate.js.
"use strict";
