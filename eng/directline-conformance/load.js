// Direct Line load: holds N WebSocket conversations open against a running HandoffBot and posts messages at a steady
// rate, measuring delivery latency = POST of the user's message -> the bot's reply received on that conversation's
// socket. Loopback only, bounded in time; prints a summary and one JSON line.
// Usage: node load.js <base URL> <secret> [conversations=300] [messages per second=100] [seconds=30]
'use strict';
const WebSocket = require('ws');
const { performance } = require('node:perf_hooks');

const [base, secret, n = '300', rate = '100', seconds = '30'] = process.argv.slice(2);
const conversations = Number(n), perSecond = Number(rate), duration = Number(seconds);
const url = new URL(base);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
  console.error('load.js only targets loopback addresses');
  process.exit(2);
}
if (!(conversations > 0 && conversations <= 2000 && perSecond > 0 && perSecond <= 5000 && duration > 0 && duration <= 300)) {
  console.error('usage: node load.js <base URL> <secret> [conversations<=2000] [messages/s<=5000] [seconds<=300]');
  process.exit(2);
}
const domain = base.replace(/\/$/, '') + '/v3/directline';
setTimeout(() => { console.error('load run exceeded its time bound'); process.exit(1); }, (duration + 120) * 1000).unref();

const latencies = [];
let sent = 0, postErrors = 0, socketErrors = 0, replies = 0;
const clients = [];

async function start(index) {
  const response = await fetch(domain + '/conversations', { method: 'POST', headers: { Authorization: 'Bearer ' + secret } });
  if (response.status !== 201) throw new Error('start conversation: HTTP ' + response.status);
  const body = await response.json();
  const client = { index, id: body.conversationId, token: body.token, open: false, byClientId: new Map(), byId: new Map() };
  await new Promise((resolve, reject) => {
    const socket = new WebSocket(body.streamUrl);
    client.socket = socket;
    socket.on('open', () => { client.open = true; resolve(); });
    socket.on('error', error => { socketErrors++; reject(error); });
    socket.on('close', () => { client.open = false; });
    socket.on('message', data => {
      const text = data.toString();
      if (!text) return; // keep-alive
      for (const activity of JSON.parse(text).activities) {
        const clientId = activity.channelData && activity.channelData.clientActivityID;
        if (clientId && client.byClientId.has(clientId)) {
          client.byId.set(activity.id, client.byClientId.get(clientId));
          client.byClientId.delete(clientId);
        } else if (activity.replyToId && client.byId.has(activity.replyToId)) {
          latencies.push(performance.now() - client.byId.get(activity.replyToId));
          client.byId.delete(activity.replyToId);
          replies++;
        }
      }
    });
  });
  clients.push(client);
}

async function post(client) {
  const clientActivityID = 'load-' + client.index + '-' + sent;
  client.byClientId.set(clientActivityID, performance.now());
  sent++;
  try {
    const response = await fetch(domain + '/conversations/' + client.id + '/activities', {
      method: 'POST',
      headers: { Authorization: 'Bearer ' + client.token, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: 'how long does delivery take', channelData: { clientActivityID } })
    });
    if (response.status !== 200) postErrors++;
    await response.arrayBuffer();
  } catch {
    postErrors++;
  }
}

function percentile(sorted, p) {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)];
}

async function main() {
  const opening = performance.now();
  for (let i = 0; i < conversations; i += 25) {
    await Promise.all(Array.from({ length: Math.min(25, conversations - i) }, (_, k) => start(i + k)));
  }
  const openSeconds = (performance.now() - opening) / 1000;
  // Let the greetings arrive before measuring.
  await new Promise(resolve => setTimeout(resolve, 1000));

  const began = performance.now();
  let next = 0;
  const interval = 1000 / perSecond;
  await new Promise(resolve => {
    const tick = () => {
      const elapsed = performance.now() - began;
      if (elapsed >= duration * 1000) return resolve();
      const due = Math.floor(elapsed / interval) + 1;
      while (sent < due) post(clients[next++ % clients.length]);
      setTimeout(tick, Math.max(1, interval / 2));
    };
    tick();
  });
  const sendSeconds = (performance.now() - began) / 1000;
  // Wait (bounded) for outstanding replies.
  const drainUntil = performance.now() + 15000;
  while (replies + postErrors < sent && performance.now() < drainUntil) await new Promise(r => setTimeout(r, 100));

  const held = clients.filter(c => c.open).length;
  const sorted = latencies.slice().sort((a, b) => a - b);
  const result = {
    conversationsRequested: conversations, conversationsHeldOpen: held, openSeconds: +openSeconds.toFixed(1),
    seconds: +sendSeconds.toFixed(1), targetPerSecond: perSecond, sent, replies, postErrors, socketErrors,
    messagesPerSecond: +(replies / sendSeconds).toFixed(1),
    p50ms: +percentile(sorted, 50).toFixed(1), p99ms: +percentile(sorted, 99).toFixed(1), maxms: +(sorted[sorted.length - 1] || NaN).toFixed(1)
  };
  console.log(`conversations held open: ${held}/${conversations} (opened in ${result.openSeconds} s)`);
  console.log(`messages: ${sent} sent, ${replies} replies on the sockets, ${postErrors} failed posts, in ${result.seconds} s -> ${result.messagesPerSecond} messages/s`);
  console.log(`delivery latency (post -> reply on socket): p50 ${result.p50ms} ms, p99 ${result.p99ms} ms, max ${result.maxms} ms`);
  console.log(JSON.stringify(result));
  for (const c of clients) c.socket.close();
  process.exit(held === conversations && postErrors === 0 && replies === sent ? 0 : 1);
}

main().catch(error => { console.error(error); process.exit(1); });
