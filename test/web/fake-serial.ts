/**
 * Script for the page, run before its own: a `navigator.serial` whose one port is a simulated chip
 * on the `anyflash ui` bridge. The page's Web Serial transport then meets real Chromium streams and
 * the SerialPort rules it must follow (no double open, no close while a stream is locked).
 * Plain JavaScript text, because a serialised TypeScript function carries the test runner's helpers.
 */
export function fakeWebSerialScript(simUrl: string): string {
  return `(() => {
  const simUrl = ${JSON.stringify(simUrl)};
  class FakeSerialPort {
    constructor() { this.readable = null; this.writable = null; this.opens = []; this.ws = null; }
    getInfo() { return { usbVendorId: 0x10c4, usbProductId: 0xea60 }; }
    async open(options) {
      if (this.readable) throw new DOMException('The port is already open.', 'InvalidStateError');
      this.opens.push(options.baudRate);
      const params = new URLSearchParams({ port: simUrl, baud: String(options.baudRate) });
      const ws = new WebSocket('ws://' + location.host + '/bridge?' + params);
      ws.binaryType = 'arraybuffer';
      await new Promise((resolve, reject) => {
        ws.onmessage = (ev) => {
          const notice = JSON.parse(ev.data);
          if (notice.type === 'open') resolve();
          else reject(new DOMException(notice.error ? notice.error.summary : 'open failed', 'NetworkError'));
        };
      });
      this.ws = ws;
      this.readable = new ReadableStream({
        start(controller) {
          ws.onmessage = (ev) => { if (typeof ev.data !== 'string') controller.enqueue(new Uint8Array(ev.data)); };
        },
      });
      this.writable = new WritableStream({ write(chunk) { ws.send(chunk); } });
    }
    async setSignals(s) {
      if (!this.ws) throw new DOMException('The port is closed.', 'InvalidStateError');
      this.ws.send(JSON.stringify({ op: 'signals', id: 0, dtr: s.dataTerminalReady, rts: s.requestToSend }));
    }
    async close() {
      if (!this.ws) throw new DOMException('The port is already closed.', 'InvalidStateError');
      if (this.readable.locked || this.writable.locked) throw new TypeError('Cannot close a port with a locked stream.');
      this.ws.close();
      this.ws = null;
      this.readable = null;
      this.writable = null;
    }
  }
  const port = new FakeSerialPort();
  window.fakeSerialPort = port;
  Object.defineProperty(navigator, 'serial', {
    configurable: true,
    value: { requestPort: async () => port, getPorts: async () => [port], addEventListener() {}, removeEventListener() {} },
  });
})();`;
}
