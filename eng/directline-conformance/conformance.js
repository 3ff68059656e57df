// Conformance check of HandoffBot's Direct Line 3.0 endpoint with the official client, botframework-directlinejs.
// Usage: node conformance.js <bot base URL, e.g. http://127.0.0.1:3978> <Direct Line secret>
// Checks: token generate, start conversation (WebSocket), post and receive the reply on the stream, the user's own
// activity echoed with an id, watermark resume (a reconnect gets only newer activities), token refresh, polling mode.
// Prints one line per check and exits 0 only when all pass. Loopback only; stops by itself after 90 s.
'use strict';
global.XMLHttpRequest = require('xhr2');
global.WebSocket = require('ws');
const { DirectLine, ConnectionStatus } = require('botframework-directlinejs');

const [base, secret] = process.argv.slice(2);
if (!base || !secret) {
  console.error('usage: node conformance.js <base URL> <secret>');
  process.exit(2);
}
const domain = base.replace(/\/$/, '') + '/v3/directline';
const deadline = setTimeout(() => fail('timed out after 90 s'), 90_000);
let passed = 0;

function ok(name) {
  passed++;
  console.log('ok - ' + name);
}

function fail(message) {
  console.log('not ok - ' + message);
  process.exit(1);
}

function check(condition, name) {
  if (!condition) fail(name);
  ok(name);
}

// Resolves with the first activity (and everything seen until then) that matches, within the time limit.
function waitFor(directLine, predicate, what, seen = []) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { subscription.unsubscribe(); reject(new Error('no ' + what + ' within 20 s')); }, 20_000);
    const subscription = directLine.activity$.subscribe({
      next: activity => {
        seen.push(activity);
        if (predicate(activity)) {
          clearTimeout(timer);
          subscription.unsubscribe();
          resolve({ activity, seen });
        }
      },
      error: error => { clearTimeout(timer); reject(error); }
    });
  });
}

function post(directLine, activity) {
  return new Promise((resolve, reject) => directLine.postActivity(activity).subscribe({ next: resolve, error: reject }));
}

function position(id) {
  return Number(String(id).split('|')[1]);
}

async function rest(method, path, token, body) {
  const response = await fetch(domain + path, {
    method,
    headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

function decode(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

async function main() {
  // 1. A token from the secret.
  const generated = await rest('POST', '/tokens/generate', secret, { user: { id: 'dl_conformance' } });
  check(generated.status === 200 && generated.body.token && generated.body.conversationId && generated.body.expires_in > 0,
    'tokens/generate returns {conversationId, token, expires_in}');
  const token = generated.body.token;
  const userId = decode(token).user;
  check(userId === 'dl_conformance', 'the token binds the user id');

  // 2. Start over a WebSocket, greeting, post, echo and reply.
  const first = new DirectLine({ token, domain, webSocket: true });
  const all = [];
  first.activity$.subscribe({ next: a => all.push(a), error: () => {} });
  const online = new Promise(resolve => first.connectionStatus$.subscribe(s => s === ConnectionStatus.Online && resolve()));
  const greeting = waitFor(first, a => a.type === 'message' && a.from.id !== userId, 'greeting');
  await online;
  check(first.conversationId === generated.body.conversationId, 'the conversation started is the token\'s conversation');
  ok('greeting received over the stream: ' + JSON.stringify((await greeting).activity.text).slice(0, 60));

  const clientActivityID = 'conformance-' + Date.now();
  const id = await post(first, {
    type: 'message', from: { id: userId }, text: 'how long does delivery take', channelData: { clientActivityID }
  });
  check(typeof id === 'string' && id.length > 0, 'postActivity returns the activity id');
  const reply = await waitFor(first, a => a.type === 'message' && a.replyToId === id, 'reply to the posted message');
  check(/working days/.test(reply.activity.text), 'the bot\'s knowledge-base answer arrives on the stream');
  const echo = all.find(a => a.id === id);
  check(echo && echo.channelData && echo.channelData.clientActivityID === clientActivityID,
    'the user\'s own activity is echoed with its id and channelData.clientActivityID');
  check(!isNaN(Date.parse(reply.activity.timestamp)) && reply.activity.timestamp.endsWith('Z'), 'timestamps are ISO-8601 UTC');
  const watermark = first.watermark;
  check(Number(watermark) >= position(reply.activity.id), 'the stream carries the watermark (' + watermark + ')');
  first.end();

  // 3. While disconnected, another message is answered; a reconnect from the watermark gets only the newer activities.
  const offline = await rest('POST', '/conversations/' + first.conversationId + '/activities', token,
    { type: 'message', from: { id: userId }, text: 'how do I return an item' });
  check(offline.status === 200 && offline.body.id, 'a message posted over REST is accepted');
  const resumed = new DirectLine({ token, domain, conversationId: first.conversationId, watermark, webSocket: true });
  const resumedSeen = [];
  await waitFor(resumed, a => a.replyToId === offline.body.id, 'reply after resume', resumedSeen);
  check(resumedSeen.every(a => position(a.id) > Number(watermark)), 'the resumed stream sends only activities after the watermark');
  check(resumedSeen.some(a => a.id === offline.body.id), 'the resumed stream includes the message posted while away');

  // 4. Token refresh.
  const refreshed = await new Promise((resolve, reject) => resumed.refreshToken().subscribe({ next: resolve, error: reject }));
  check(typeof refreshed === 'string' && decode(refreshed).conv === first.conversationId && decode(refreshed).exp >= decode(token).exp,
    'tokens/refresh returns a token for the same conversation');
  const withRefreshed = await rest('GET', '/conversations/' + first.conversationId + '/activities?watermark=' + watermark, refreshed);
  check(withRefreshed.status === 200 && withRefreshed.body.activities.length >= 2, 'the refreshed token reads the conversation');
  resumed.end();

  // 5. Polling mode.
  const polling = new DirectLine({ token: refreshed, domain, conversationId: first.conversationId, webSocket: false, pollingInterval: 200 });
  const pollId = await post(polling, { type: 'message', from: { id: userId }, text: 'how long does delivery take' });
  await waitFor(polling, a => a.replyToId === pollId, 'reply while polling');
  ok('polling mode receives the reply');
  polling.end();

  clearTimeout(deadline);
  console.log('conformance: ' + passed + ' checks passed');
  process.exit(0);
}

main().catch(error => fail(error && (error.message || error.status) || String(error)));
