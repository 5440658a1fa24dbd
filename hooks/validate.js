'use strict';
/**
 * generate:before: refuse bad parameters, overlays that do not apply and specs the template cannot compile,
 * before any file is written.
 */
const { templateContext } = require('../helpers/context');

function validateBeforeRendering(generator) {
  // Building the IR here applies the spec corrections (overlays) and surfaces their problems (a missing file,
  // an invalid overlay, a target matching nothing) and spec problems (missing messages, dangling $refs,
  // AsyncAPI 2.x) as one clear error instead of a failure halfway through rendering.
  templateContext({ params: generator.templateParams, originalAsyncAPI: generator.originalAsyncAPI });
}

module.exports = { 'generate:before': validateBeforeRendering };
