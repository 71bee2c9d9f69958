'use client';

import { useId, useRef, useState } from 'react';
import { cn } from '@/app/_lib/cn';
import { inputClasses } from './form-controls';

/** Where the caret is inside an unfinished `{{ …`, if it is. */
function openTemplateAt(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const start = before.lastIndexOf('{{');
  if (start === -1 || before.indexOf('}}', start) !== -1) return null;
  return { start, query: before.slice(start + 2).trim() };
}

/**
 * A text field that knows templates: typing `{{` lists what can be read
 * here — `params.…` and `nodes.<upstream>.output` — and Enter or Tab
 * completes it to `{{ nodes.list.output }}`.
 */
export function TemplateInput({
  value,
  onChange,
  suggestions,
  multiline = false,
  mono = false,
  invalid,
  id,
  placeholder,
  'data-testid': testId,
}: {
  value: string;
  onChange: (value: string) => void;
  suggestions: readonly string[];
  multiline?: boolean;
  mono?: boolean;
  invalid?: boolean;
  id?: string;
  placeholder?: string;
  'data-testid'?: string;
}) {
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const listId = useId();
  const [open, setOpen] = useState<{ start: number; query: string } | null>(null);
  const [active, setActive] = useState(0);
  const query = open?.query.toLowerCase() ?? '';
  const matches = open
    ? suggestions.filter((s) => s.toLowerCase().includes(query)).slice(0, 8)
    : [];
  const shown = matches.length > 0;

  const track = (element: HTMLInputElement | HTMLTextAreaElement) => {
    const next = openTemplateAt(element.value, element.selectionStart ?? element.value.length);
    setOpen(next);
    if (next?.query !== open?.query) setActive(0);
  };

  const accept = (suggestion: string) => {
    const element = ref.current;
    if (!element || !open) return;
    const caret = element.selectionStart ?? value.length;
    const rest = value.slice(caret).replace(/^[^{}\n]*\}\}/, '');
    const inserted = `{{ ${suggestion} }}`;
    onChange(value.slice(0, open.start) + inserted + rest);
    setOpen(null);
    const at = open.start + inserted.length;
    requestAnimationFrame(() => {
      element.focus();
      element.setSelectionRange(at, at);
    });
  };

  const common = {
    id,
    value,
    placeholder,
    spellCheck: false,
    autoComplete: 'off',
    'data-testid': testId,
    role: 'combobox',
    'aria-expanded': shown,
    'aria-controls': listId,
    'aria-autocomplete': 'list' as const,
    'aria-invalid': invalid || undefined,
    onChange: (event: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => {
      onChange(event.target.value);
      track(event.target);
    },
    onSelect: (event: React.SyntheticEvent<HTMLInputElement | HTMLTextAreaElement>) =>
      track(event.currentTarget),
    onBlur: () => setTimeout(() => setOpen(null), 120),
    onKeyDown: (event: React.KeyboardEvent) => {
      if (!shown) return;
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        setActive((a) => (a + step + matches.length) % matches.length);
      } else if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault();
        const choice = matches[active];
        if (choice) accept(choice);
      } else if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        setOpen(null);
      }
    },
  };

  return (
    <div className="relative">
      {multiline ? (
        <textarea
          ref={ref}
          rows={3}
          className={cn(inputClasses(invalid, mono), 'py-1.5 leading-5')}
          {...common}
        />
      ) : (
        <input
          ref={ref}
          type="text"
          className={cn(inputClasses(invalid, mono), 'h-8')}
          {...common}
        />
      )}
      {shown && (
        <div
          id={listId}
          role="listbox"
          className="absolute top-full right-0 left-0 z-30 mt-1 max-h-56 overflow-auto rounded-md bg-white py-1 text-xs shadow-lg ring-1 ring-slate-900/10"
        >
          {matches.map((suggestion, index) => (
            <div
              key={suggestion}
              role="option"
              tabIndex={-1}
              aria-selected={index === active}
              data-testid="template-suggestion"
              className={cn(
                'cursor-pointer px-2.5 py-1.5 font-mono',
                index === active ? 'bg-indigo-50 text-indigo-700' : 'text-slate-700',
              )}
              onMouseDown={(event) => {
                event.preventDefault();
                accept(suggestion);
              }}
              onMouseEnter={() => setActive(index)}
            >
              {`{{ ${suggestion} }}`}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
