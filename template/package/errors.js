// Renders errors.py: the runtime's errors module re-exported under the package's name.
import { File } from '@asyncapi/generator-react-sdk';

const { templateContext } = require('../../helpers/context');
const { renderErrors } = require('../../components/package-files');

export default function render({ asyncapi, params, originalAsyncAPI }) {
  const { params: options } = templateContext({ asyncapi, params, originalAsyncAPI });
  return <File name="errors.py">{renderErrors(options)}</File>;
}
