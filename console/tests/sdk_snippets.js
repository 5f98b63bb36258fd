// Runs the console's "Copy as JavaScript SDK call" snippets with the real ordercloud-javascript-sdk
// against a server that records each request (console/tests/test_snippets_sdk.py).
// stdin: {"token": "<a JWT the SDK accepts>", "snippets": [{"id", "js"}, ...]} with baseApiUrl BASE_URL.
// stdout: {"results": [{"id", "error", "request": {"method", "url", "body"}}, ...]}
const http = require("http");
const sdk = require("ordercloud-javascript-sdk");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const config = JSON.parse(input);
  let last = null;
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      last = { method: req.method, url: req.url, body };
      res.setHeader("Content-Type", "application/json");
      res.end("{}");
    });
  });
  server.listen(0, "127.0.0.1", async () => {
    const base = `http://127.0.0.1:${server.address().port}`;
    const results = [];
    for (const snippet of config.snippets) {
      last = null;
      let error = null;
      const code = snippet.js
        .replace(/^import .*$/m, "")
        .replace("BASE_URL", base)
        .replace("const result = await", "return await");
      try {
        const run = new Function(...Object.keys(sdk), "TOKEN", `return (async () => { ${code} })();`);
        await run(...Object.values(sdk), config.token);
      } catch (e) {
        error = String((e && e.message) || e);
      }
      results.push({ id: snippet.id, error, request: last });
    }
    server.close();
    process.stdout.write(JSON.stringify({ results }));
  });
});
