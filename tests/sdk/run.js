// The stdin/stdout convention of the SDK scripts run by tests/sdk/harness.py: the JSON config
// arrives on stdin, `main(config)` records its checks, and {"checks": ...} goes to stdout (a thrown
// error becomes the check "_script", so pytest always gets JSON to name what broke).
'use strict';

module.exports = function run(main, checks) {
  let input = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => { input += chunk; });
  process.stdin.on('end', () => {
    main(JSON.parse(input))
      .catch((err) => { checks._script = { ok: false, error: String(err && err.stack) }; })
      .finally(() => { process.stdout.write(JSON.stringify({ checks })); });
  });
};
