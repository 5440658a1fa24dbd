// Renders requirements.txt. Helpers are CommonJS, so they are required (not imported) and stay outside the bundle.
import { File } from '@asyncapi/generator-react-sdk';

const { templateContext } = require('../helpers/context');
const { renderRequirements } = require('../components/package-files');

export default function render({ asyncapi, params, originalAsyncAPI }) {
  const { params: options } = templateContext({ asyncapi, params, originalAsyncAPI });
  return <File name="requirements.txt">{renderRequirements(options)}</File>;
}
