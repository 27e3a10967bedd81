// Lints texts as if they were the given files, with the repository's own ESLint configuration, and
// prints the module-boundary messages as JSON. A child process of module-boundaries.test.ts: ESLint
// loads its flat config as an ES module, which Jest's module sandbox does not run.
//   stdin: [{ "file": "<path from the root>", "text": "..." }]   stdout: [["<line>: <message>", ...], ...]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ESLint } from 'eslint';

const RULE = '@nx/enforce-module-boundaries';
const root = join(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: root, ruleFilter: ({ ruleId }) => ruleId === RULE });
const inputs = JSON.parse(readFileSync(0, 'utf8'));
const out = [];
for (const { file, text } of inputs) {
  const [result] = await eslint.lintText(text, { filePath: join(root, file) });
  out.push(
    result.messages
      .filter((message) => message.ruleId === RULE || message.fatal)
      .map((message) => `${message.line}: ${message.message.split('\n')[0]}`),
  );
}
process.stdout.write(JSON.stringify(out));
