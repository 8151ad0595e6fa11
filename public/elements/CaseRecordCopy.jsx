// "Copy for case record" under every answer (sent by assistant/ui/chat_handlers.copy_element).
// props.text is the answer as plain text with every citation in full, built on the server so
// what is copied is exactly what was cited. The clipboard API needs a secure context
// (https or loopback); elsewhere the textarea fallback still copies.
import { useState } from 'react';
import { Button } from '@/components/ui/button';

export default function CaseRecordCopy() {
  const [status, setStatus] = useState('');

  const fallbackCopy = (text) => {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  };

  const copy = async () => {
    const text = props.text || '';
    let ok = false;
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch (e) {
      ok = fallbackCopy(text);
    }
    setStatus(ok ? 'Copied: paste it into the case note or supervision record.' : 'Could not copy; select the text instead.');
  };

  return (
    <div className="case-record-copy flex items-center gap-3 pt-1">
      <Button variant="outline" size="sm" onClick={copy} data-copy-text={props.text}>
        {props.label || 'Copy for case record'}
      </Button>
      <span role="status" aria-live="polite" className="text-sm text-muted-foreground">{status}</span>
    </div>
  );
}
