// Renders tests/streams/ of streams packages: the files of kind-tests/streams/, byte for byte (see helpers/kind-files.js).
// Specs of the other kind get nothing. Helpers are CommonJS, so they are required (not imported).
import { File } from '@asyncapi/generator-react-sdk';

const { templateContext } = require('../../../../helpers/context');
const { kindTestFiles } = require('../../../../helpers/kind-files');

export default function render({ asyncapi, params, originalAsyncAPI }) {
  const { ir } = templateContext({ asyncapi, params, originalAsyncAPI });
  if (ir.kind !== 'streams') return null;
  return kindTestFiles('streams').map((file) => <File name={file.name}>{file.content}</File>);
}
