import type { ProtocolError } from './errors';
import type { ServerFrame } from './protocol';

export function encode(frame: ServerFrame): string {
  return JSON.stringify(frame);
}

/**
 * An `alert` frame from an alert already encoded once: the alert JSON is shared by every delivery of a batch,
 * only the delivery id and sequence differ per recipient.
 */
export function encodeAlertFrame(deliveryId: string, seq: number, alertJson: string): string {
  return `{"type":"alert","deliveryId":"${deliveryId}","seq":${seq},"alert":${alertJson}}`;
}

export function errorFrame(error: ProtocolError, ref?: string): string {
  return encode({ type: 'error', code: error.code, message: error.message, retryable: error.retryable, ref });
}
