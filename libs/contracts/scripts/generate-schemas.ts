// Writes libs/contracts/schemas/<type>.v1.schema.json from the payload classes, for services in other
// languages. Run from the workspace root with `npm run contracts:schemas`; the compiled copy of this file
// lives elsewhere, so the output directory is resolved from the working directory.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderSchemaFiles } from '../src';

const outDir = resolve(process.cwd(), 'libs/contracts/schemas');
const files = renderSchemaFiles();

mkdirSync(outDir, { recursive: true });
for (const stale of readdirSync(outDir).filter((name) => name.endsWith('.schema.json') && !(name in files))) {
  rmSync(join(outDir, stale));
}
for (const [name, content] of Object.entries(files)) writeFileSync(join(outDir, name), content);
console.log(`Wrote ${Object.keys(files).length} schemas to ${outDir}`);
