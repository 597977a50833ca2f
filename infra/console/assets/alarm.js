// Sound and vibration by severity. Browsers only let a page make sound after a user gesture, so the context is
// unlocked on the login click (and the sound toggle).
let context = null;
let enabled = true;

export function unlockAudio() {
  try {
    context ??= new AudioContext();
    if (context.state === 'suspended') context.resume();
  } catch {
    context = null;
  }
}

export function setSoundEnabled(on) {
  enabled = on;
}

export function soundEnabled() {
  return enabled;
}

const patterns = {
  critical: { frequency: 1040, beeps: 3, vibrate: [300, 100, 300, 100, 300] },
  high: { frequency: 880, beeps: 2, vibrate: [200, 100, 200] },
  medium: { frequency: 660, beeps: 1, vibrate: [150] },
  low: { frequency: 0, beeps: 0, vibrate: [] },
};

/** One alarm for an alert of this severity: beeps (WebAudio) and a vibration where the device has one. */
export function sound(severity) {
  const pattern = patterns[severity] ?? patterns.medium;
  if (pattern.vibrate.length && navigator.vibrate) navigator.vibrate(pattern.vibrate);
  if (!enabled || !context || pattern.beeps === 0) return;
  const start = context.currentTime;
  for (let index = 0; index < pattern.beeps; index++) {
    const at = start + index * 0.32;
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.type = 'square';
    oscillator.frequency.value = pattern.frequency;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.22);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(at);
    oscillator.stop(at + 0.25);
  }
}
