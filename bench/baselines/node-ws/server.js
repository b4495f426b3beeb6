// B0 for bench/run.sh: a minimal Node `ws` broadcast server speaking Andon's frames. In-memory
// rooms with a counter; ack to the sender, then the message frame (serialised once) to every
// socket of the room. No authentication, no storage.
'use strict';
const http = require('node:http');
const { randomUUID } = require('node:crypto');
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2] || process.env.PORT || 18090);
const rooms = new Map();
const server = http.createServer((req, res) => {
  res.writeHead(req.url === '/health/ready' ? 200 : 404).end('ok');
});
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

server.on('upgrade', (req, socket, head) => {
  const match = /^\/ws\/([^/?]+)/.exec(req.url || '');
  if (!match) {
    socket.destroy();
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => join(ws, match[1]));
});

function join(ws, roomId) {
  let room = rooms.get(roomId);
  if (!room) {
    room = { seq: 0, peers: new Set() };
    rooms.set(roomId, room);
  }
  room.peers.add(ws);
  ws.send(JSON.stringify({ type: 'hello', room_id: roomId, user_id: 'bench', role: 'editor', last_seq: room.seq, online: [] }));
  ws.on('message', (data) => {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (frame.type !== 'message') return;
    const seq = ++room.seq;
    const messageId = randomUUID();
    const createdAt = new Date().toISOString();
    ws.send(JSON.stringify({ type: 'ack', client_id: frame.client_id, message_id: messageId, sequence_number: seq, created_at: createdAt }));
    const out = JSON.stringify({
      type: 'message',
      message: {
        message_id: messageId, room_id: roomId, sequence_number: seq, sender_id: 'bench', sender_name: 'bench',
        message_type: frame.message_type || 'text', content: frame.content, mentions: [], file_id: null, metadata: null,
        reactions: {}, created_at: createdAt, edited_at: null, deleted_at: null,
      },
    });
    for (const peer of room.peers) {
      if (peer.readyState === 1) peer.send(out);
    }
  });
  ws.on('close', () => room.peers.delete(ws));
  ws.on('error', () => room.peers.delete(ws));
}

server.listen(port, '127.0.0.1', () => console.log(`B0 node ws listening on ${port}`));
