// Renders tests/api/ of API packages: the files of kind-tests/api/, byte for byte (see helpers/kind-files.js).
// Specs of the other kind get nothing. Helpers are CommonJS, so they are required (not imported).
import { File } from '@asyncapi/generator-react-sdk';

const { templateContext } = require('../../../../helpers/context');
const { kindTestFiles } = require('../../../../helpers/kind-files');

export default function render({ asyncapi, params, originalAsyncAPI }) {
  const { ir } = templateContext({ asyncapi, params, originalAsyncAPI });
  if (ir.kind !== 'api') return null;
  return kindTestFiles('api').map((file) => <File name={file.name}>{file.content}</File>);
}
