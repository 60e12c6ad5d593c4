"use strict";
(() => {
})();
//# sourceMappingURL=panel.js.map
