// One socket.io conversation (long-polling) through nginx; prints {"texts": [...]} as JSON.
// Usage: node socketio_client.js <url> <session id> <message>
const { io } = require('socket.io-client');
const [url, sessionId, message] = process.argv.slice(2);
const socket = io(url, { transports: ['polling'], reconnection: false, timeout: 20000 });
const texts = [];
let done = false;
const finish = (code, extra) => { if (done) return; done = true; console.log(JSON.stringify({ texts, ...extra })); socket.close(); process.exit(code); };
socket.on('connect', () => socket.emit('session_request', { session_id: sessionId }));
socket.on('session_confirm', () => socket.emit('user_uttered', { message, session_id: sessionId }));
socket.on('bot_uttered', (reply) => { texts.push(reply.text || ''); setTimeout(() => finish(0), 1500); });
socket.on('connect_error', (error) => finish(1, { error: error.message }));
socket.on('disconnect', (reason) => finish(1, { error: `disconnected: ${reason}` }));
setTimeout(() => finish(2, { error: 'no reply within 45 s' }), 45000);
