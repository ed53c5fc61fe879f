import type { HostToWebviewMessage, WebviewToHostMessage } from '../../shared/protocol';
import type { FrameSocket, SocketFactory } from './connection';

/**
 * A socket whose frames travel through the extension host (postMessage both ways), for webviews
 * that cannot open a WebSocket to the relay themselves. The frames are the relay's, verbatim.
 */
export function bridgeSocket(post: (message: WebviewToHostMessage) => void, listen: (handler: (message: HostToWebviewMessage) => void) => () => void): SocketFactory {
  return (deviceId) => {
    let open = false;
    const socket: FrameSocket = {
      get isOpen() {
        return open;
      },
      send: (data) => post({ type: 'bridge:send', data }),
      close: () => post({ type: 'bridge:disconnect' }),
      onopen: null,
      onmessage: null,
      onclose: null,
    };
    const stop = listen((message) => {
      switch (message.type) {
        case 'bridge:open':
          open = true;
          socket.onopen?.();
          return;
        case 'bridge:frame':
          socket.onmessage?.(message.data);
          return;
        case 'bridge:closed':
          open = false;
          stop();
          socket.onclose?.();
          return;
        default:
          return;
      }
    });
    post({ type: 'bridge:connect', deviceId });
    return socket;
  };
}
