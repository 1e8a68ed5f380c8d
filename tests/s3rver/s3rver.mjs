// s3rver (https://github.com/jamhall/s3rver), another S3 implementation, with
// the buckets tcoder uses, and its object-created notifications forwarded to
// tcoder's POST /api/events/s3 the way AWS S3 sends them: Records[] with the
// key form-URL-encoded (a space is '+', other bytes %XX, '/' kept).
//   node s3rver.mjs --port N --dir DIR [--events-url URL --events-token TOKEN]
//     [--drop-events-for TEXT]   (a store that loses events: none sent for keys holding TEXT)
// Prints "listening <port>" once it answers; stops on SIGTERM. Credentials are
// s3rver's own: S3RVER / S3RVER.
import S3rver from 's3rver';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) => {
  if (a.startsWith('--')) pairs.push([a.slice(2), all[i + 1]]);
  return pairs;
}, []));

// AWS's encoding of a key in a notification.
function awsKey(key) {
  return key.split('/').map((part) => encodeURIComponent(part).replace(/%20/g, '+')).join('/');
}

async function forward(event) {
  const record = event.Records?.[0];
  if (!args['events-url'] || !record) return;
  if (args['drop-events-for'] && record.s3.object.key.includes(args['drop-events-for'])) return;
  record.s3.object.key = awsKey(record.s3.object.key);
  for (let attempt = 1; attempt <= 5; attempt++) {
    try {
      const r = await fetch(args['events-url'], {
        method: 'POST', body: JSON.stringify(event),
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${args['events-token']}` },
      });
      if (r.ok) return;
      process.stderr.write(`s3rver: event answered ${r.status}: ${await r.text()}\n`);
      if (r.status < 500) return;
    } catch (e) {
      process.stderr.write(`s3rver: event not sent: ${e.message}\n`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
  }
}

const server = new S3rver({
  port: Number(args.port), address: '127.0.0.1', silent: true, directory: args.dir,
  configureBuckets: [{ name: 'tcoder-input' }, { name: 'tcoder-output' }],
});
server.on('event', (event) => { forward(event); });
const { port } = await server.run();
process.stdout.write(`listening ${port}\n`);
process.on('SIGTERM', async () => { await server.close(); process.exit(0); });
process.on('SIGINT', async () => { await server.close(); process.exit(0); });
