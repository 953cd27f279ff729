// Writes a brotli (.br, quality 11) and a gzip (.gz, level 9) copy beside every file named on
// the command line, for the server to send to browsers that accept them.
import { readFileSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

for (const file of process.argv.slice(2)) {
  const data = readFileSync(file);
  writeFileSync(`${file}.br`, brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      [constants.BROTLI_PARAM_LGWIN]: 24,
    },
  }));
  writeFileSync(`${file}.gz`, gzipSync(data, { level: 9 }));
}
