// Renders README.md. Helpers are CommonJS, so they are required (not imported) and stay outside the bundle.
import { File } from '@asyncapi/generator-react-sdk';

const { templateContext } = require('../helpers/context');
const { renderReadme } = require('../components/readme');

export default function render({ asyncapi, params, originalAsyncAPI }) {
  const { ir, params: options } = templateContext({ asyncapi, params, originalAsyncAPI });
  return <File name="README.md">{renderReadme(ir, options)}</File>;
}
