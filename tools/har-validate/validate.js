// Usage: node validate.js file.har ... ; exits 1 and prints the schema errors when a file is not valid HAR 1.2.
const fs = require('fs');
const validate = require('har-validator');

(async () => {
  let failed = 0;
  for (const file of process.argv.slice(2)) {
    const har = JSON.parse(fs.readFileSync(file, 'utf8'));
    try {
      await validate.har(har);
      console.log(`${file}: valid HAR ${har.log.version}, ${har.log.entries.length} entries`);
    } catch (e) {
      failed++;
      console.log(`${file}: INVALID`);
      console.log(JSON.stringify(e.errors || e.message, null, 2));
    }
  }
  process.exit(failed ? 1 : 0);
})();
