/**
 * Strips terminal control sequences from text bound for a terminal: answers, paper text, titles
 * and error messages come from models and files, and an OSC 52 sequence writes the clipboard,
 * OSC 0 retitles the window, CSI moves the cursor or hides text. Everything but `\n` and `\t`
 * below U+0020, DEL, and C1 (U+0080–U+009F) is dropped, and so is each whole ESC / CSI / OSC /
 * DCS sequence. Stateful, because a streamed answer can split a sequence between two chunks.
 */
export class TerminalSanitizer {
  private state: 'ground' | 'esc' | 'escInter' | 'csi' | 'string' | 'stringEsc' = 'ground';
  // An unterminated string sequence ends here, so it cannot swallow the rest of an answer.
  private stringLeft = 0;

  write(text: string): string {
    let out = '';
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      const c = ch.charCodeAt(0);
      switch (this.state) {
        case 'ground':
          if (c === 0x1b) this.state = 'esc';
          else if (c === 0x9b) this.state = 'csi';
          else if (c === 0x90 || c === 0x9d || c === 0x98 || c === 0x9e || c === 0x9f) this.enterString();
          else if (c === 0x0a || c === 0x09 || (c >= 0x20 && c !== 0x7f && !(c >= 0x80 && c <= 0x9f))) out += ch;
          break;
        case 'esc':
          if (ch === '[') this.state = 'csi';
          else if (ch === ']' || ch === 'P' || ch === 'X' || ch === '^' || ch === '_') this.enterString();
          else if (c >= 0x20 && c <= 0x2f) this.state = 'escInter';
          else if (c === 0x1b) this.state = 'esc';
          else this.state = 'ground';
          break;
        case 'escInter':
          if (c === 0x1b) this.state = 'esc';
          else if (!(c >= 0x20 && c <= 0x2f)) this.state = 'ground';
          break;
        case 'csi':
          if (c === 0x1b) this.state = 'esc';
          else if (c >= 0x40 && c <= 0x7e) this.state = 'ground';
          else if (!(c >= 0x20 && c <= 0x3f)) {
            // Not a CSI byte: the sequence is broken; read this character afresh.
            this.state = 'ground';
            i--;
          }
          break;
        case 'string':
          if (c === 0x07 || c === 0x9c) this.state = 'ground';
          else if (c === 0x1b) this.state = 'stringEsc';
          else if (--this.stringLeft <= 0) this.state = 'ground';
          break;
        case 'stringEsc':
          // ESC \ is the string terminator; any other ESC starts a new sequence.
          if (ch === '\\') this.state = 'ground';
          else {
            this.state = 'esc';
            i--;
          }
          break;
      }
    }
    return out;
  }

  private enterString(): void {
    this.state = 'string';
    this.stringLeft = 1 << 20;
  }
}

/** One-shot form, for whole strings. */
export function stripTerminalControls(text: string): string {
  return new TerminalSanitizer().write(text);
}
