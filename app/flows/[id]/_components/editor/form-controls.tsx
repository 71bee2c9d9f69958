'use client';

import { type ReactNode, useEffect, useId, useState } from 'react';
import { PlusIcon, XIcon } from '@/app/_components/icons';
import { cn } from '@/app/_lib/cn';

/*
 * Small controlled inputs for the inspector and the settings panels. Every
 * one takes the current value from the editor store and reports a new one;
 * `undefined` means "not set" (the field leaves the document).
 */

export const inputClasses = (invalid?: boolean, mono?: boolean) =>
  cn(
    'block w-full rounded-md border bg-white px-2.5 text-[13px] text-slate-900 shadow-xs placeholder:text-slate-400',
    'focus:outline-2 focus:-outline-offset-1',
    mono && 'font-mono text-xs',
    invalid ? 'border-red-400 focus:outline-red-500' : 'border-slate-300 focus:outline-indigo-600',
  );

export function Field({
  label,
  htmlFor,
  hint,
  errors,
  children,
  className,
  optional,
  'data-testid': testId,
}: {
  label: ReactNode;
  htmlFor?: string;
  hint?: ReactNode;
  errors?: readonly string[];
  children: ReactNode;
  className?: string;
  optional?: boolean;
  'data-testid'?: string;
}) {
  return (
    <div className={className} data-testid={testId}>
      <label
        htmlFor={htmlFor}
        className="mb-1 flex items-baseline gap-1.5 text-xs font-medium text-slate-700"
      >
        {label}
        {optional && <span className="font-normal text-slate-400">optional</span>}
      </label>
      {children}
      {errors && errors.length > 0 ? (
        <div
          role="alert"
          className="mt-1 space-y-0.5 text-xs text-red-600"
          data-testid="field-error"
        >
          {errors.map((e, i) => (
            <p key={i}>{e}</p>
          ))}
        </div>
      ) : hint ? (
        <p className="mt-1 text-xs text-slate-500">{hint}</p>
      ) : null}
    </div>
  );
}

export function TextInput({
  value,
  onChange,
  invalid,
  mono,
  className,
  ...props
}: {
  value: string;
  onChange: (value: string) => void;
  invalid?: boolean;
  mono?: boolean;
  className?: string;
  id?: string;
  placeholder?: string;
  'aria-label'?: string;
  'data-testid'?: string;
  onBlur?: () => void;
  onKeyDown?: (event: React.KeyboardEvent<HTMLInputElement>) => void;
}) {
  return (
    <input
      type="text"
      value={value}
      onChange={(event) => onChange(event.target.value)}
      className={cn(inputClasses(invalid, mono), 'h-8', className)}
      aria-invalid={invalid || undefined}
      autoComplete="off"
      spellCheck={false}
      {...props}
    />
  );
}

/** A number, or undefined when empty. Keeps what is typed ("1.", "-") until it parses. */
export function NumberInput({
  value,
  onChange,
  invalid,
  integer,
  min,
  max,
  step,
  placeholder,
  id,
  'data-testid': testId,
  'aria-label': ariaLabel,
}: {
  value: number | undefined;
  onChange: (value: number | undefined) => void;
  invalid?: boolean;
  integer?: boolean;
  min?: number;
  max?: number;
  step?: number;
  placeholder?: string;
  id?: string;
  'data-testid'?: string;
  'aria-label'?: string;
}) {
  const [draft, setDraft] = useState(value === undefined ? '' : String(value));
  useEffect(() => {
    setDraft((current) => {
      const parsed = current.trim() === '' ? undefined : Number(current);
      return parsed === value ? current : value === undefined ? '' : String(value);
    });
  }, [value]);
  return (
    <input
      id={id}
      type="number"
      inputMode={integer ? 'numeric' : 'decimal'}
      value={draft}
      min={min}
      max={max}
      step={step ?? (integer ? 1 : 'any')}
      placeholder={placeholder}
      aria-label={ariaLabel}
      aria-invalid={invalid || undefined}
      data-testid={testId}
      className={cn(inputClasses(invalid), 'h-8 tabular-nums')}
      onChange={(event) => {
        const text = event.target.value;
        setDraft(text);
        if (text.trim() === '') onChange(undefined);
        else if (Number.isFinite(Number(text))) onChange(Number(text));
      }}
    />
  );
}

export function Switch({
  checked,
  onChange,
  label,
  id,
  'data-testid': testId,
}: {
  checked: boolean;
  onChange: (checked: boolean) => void;
  label: string;
  id?: string;
  'data-testid'?: string;
}) {
  return (
    <button
      id={id}
      type="button"
      role="switch"
      aria-checked={checked}
      aria-label={label}
      data-testid={testId}
      onClick={() => onChange(!checked)}
      className={cn(
        'relative inline-flex h-5 w-9 shrink-0 items-center rounded-full transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600',
        checked ? 'bg-indigo-600' : 'bg-slate-300',
      )}
    >
      <span
        className={cn(
          'inline-block size-4 rounded-full bg-white shadow transition-transform',
          checked ? 'translate-x-4.5' : 'translate-x-0.5',
        )}
      />
    </button>
  );
}

export function Select({
  value,
  options,
  onChange,
  emptyLabel,
  invalid,
  id,
  'data-testid': testId,
  'aria-label': ariaLabel,
}: {
  value: string | undefined;
  options: readonly { value: string; label: string }[];
  onChange: (value: string | undefined) => void;
  /** When given, an empty choice that means "not set". */
  emptyLabel?: string;
  invalid?: boolean;
  id?: string;
  'data-testid'?: string;
  'aria-label'?: string;
}) {
  return (
    <select
      id={id}
      value={value ?? ''}
      aria-label={ariaLabel}
      aria-invalid={invalid || undefined}
      data-testid={testId}
      onChange={(event) => onChange(event.target.value === '' ? undefined : event.target.value)}
      className={cn(inputClasses(invalid), 'h-8 pr-8')}
    >
      {emptyLabel !== undefined && <option value="">{emptyLabel}</option>}
      {value !== undefined && !options.some((o) => o.value === value) && (
        <option value={value}>{value}</option>
      )}
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

function parseLoose(text: string): { value: unknown; asText: boolean } {
  try {
    return { value: JSON.parse(text), asText: false };
  } catch {
    return { value: text, asText: true };
  }
}

function formatJson(v: unknown): string {
  if (v === undefined) return '';
  return typeof v === 'string' && parseLoose(v).asText ? v : JSON.stringify(v, null, 2);
}

/**
 * Any JSON value. Text that is not JSON is kept as a string (so a
 * `{{ template }}` can be written without quotes), and the hint says so.
 */
export function JsonTextarea({
  value,
  onChange,
  invalid,
  id,
  rows = 4,
  'data-testid': testId,
}: {
  value: unknown;
  onChange: (value: unknown) => void;
  invalid?: boolean;
  id?: string;
  rows?: number;
  'data-testid'?: string;
}) {
  const [draft, setDraft] = useState(() => formatJson(value));
  useEffect(() => {
    setDraft((current) => {
      const parsed = current.trim() === '' ? undefined : parseLoose(current).value;
      return JSON.stringify(parsed) === JSON.stringify(value) ? current : formatJson(value);
    });
  }, [value]);
  const asText = draft.trim() !== '' && parseLoose(draft).asText;
  return (
    <>
      <textarea
        id={id}
        rows={rows}
        value={draft}
        spellCheck={false}
        data-testid={testId}
        aria-invalid={invalid || undefined}
        className={cn(inputClasses(invalid, true), 'py-1.5 leading-5')}
        onChange={(event) => {
          const text = event.target.value;
          setDraft(text);
          onChange(text.trim() === '' ? undefined : parseLoose(text).value);
        }}
      />
      {asText && <p className="mt-1 text-xs text-slate-500">Not JSON: saved as text.</p>}
    </>
  );
}

/** A string → value record, edited as rows. Values are text, or JSON when `json`. */
export function KeyValueEditor({
  value,
  onChange,
  json = false,
  keyPlaceholder = 'name',
  valuePlaceholder = 'value',
  'data-testid': testId,
}: {
  value: Record<string, unknown> | undefined;
  onChange: (value: Record<string, unknown> | undefined) => void;
  json?: boolean;
  keyPlaceholder?: string;
  valuePlaceholder?: string;
  'data-testid'?: string;
}) {
  const entries = Object.entries(value ?? {});
  const [newKey, setNewKey] = useState('');
  const id = useId();
  const show = (v: unknown) => (json ? JSON.stringify(v) : String(v ?? ''));
  const read = (text: string) => (json ? parseLoose(text).value : text);
  const commit = (next: [string, unknown][]) =>
    onChange(next.length === 0 ? undefined : Object.fromEntries(next));
  return (
    <div className="space-y-1.5" data-testid={testId}>
      {entries.map(([k, v], index) => (
        <div key={`${id}-${index}`} className="grid grid-cols-[2fr_3fr_auto] gap-1.5">
          <input
            value={k}
            aria-label="Key"
            className={cn(inputClasses(false, true), 'h-8')}
            onChange={(event) =>
              commit(entries.map((e, i) => (i === index ? [event.target.value, e[1]] : e)))
            }
          />
          <input
            value={show(v)}
            aria-label={`Value of ${k}`}
            className={cn(inputClasses(false, json), 'h-8 min-w-0')}
            onChange={(event) =>
              commit(entries.map((e, i) => (i === index ? [e[0], read(event.target.value)] : e)))
            }
          />
          <button
            type="button"
            aria-label={`Remove ${k}`}
            className="rounded-md px-1.5 text-slate-400 hover:bg-slate-100 hover:text-slate-700"
            onClick={() => commit(entries.filter((_, i) => i !== index))}
          >
            <XIcon className="size-3.5" />
          </button>
        </div>
      ))}
      <form
        className="grid grid-cols-[2fr_3fr_auto] gap-1.5"
        onSubmit={(event) => {
          event.preventDefault();
          const key = newKey.trim();
          if (!key || entries.some(([k]) => k === key)) return;
          commit([...entries, [key, json ? null : '']]);
          setNewKey('');
        }}
      >
        <input
          value={newKey}
          placeholder={`add a ${keyPlaceholder}`}
          aria-label="New key"
          onChange={(event) => setNewKey(event.target.value)}
          className={cn(inputClasses(false, true), 'col-span-2 h-8')}
        />
        <button
          type="submit"
          className="inline-flex h-8 items-center gap-1 rounded-md px-2 text-xs font-medium text-indigo-600 hover:bg-indigo-50 disabled:opacity-40"
          disabled={!newKey.trim()}
          title={`Add a ${valuePlaceholder}`}
        >
          <PlusIcon className="size-3.5" /> Add
        </button>
      </form>
    </div>
  );
}

/** A list of strings, one input per item. */
export function ListEditor({
  value,
  onChange,
  placeholder = 'item',
  'data-testid': testId,
}: {
  value: readonly string[] | undefined;
  onChange: (value: string[] | undefined) => void;
  placeholder?: string;
  'data-testid'?: string;
}) {
  const items = value ?? [];
  const id = useId();
  return (
    <div className="space-y-1.5" data-testid={testId}>
      {items.map((item, index) => (
        <div key={`${id}-${index}`} className="flex gap-1.5">
          <input
            value={item}
            aria-label={`Item ${index + 1}`}
            className={cn(inputClasses(false), 'h-8 min-w-0 flex-1')}
            onChange={(event) =>
              onChange(items.map((v, i) => (i === index ? event.target.value : v)))
            }
          />
          <button
            type="button"
            aria-label={`Remove item ${index + 1}`}
            className="rounded-md px-1.5 text-slate-400 hover:bg-slate-100 hover:text-slate-700"
            onClick={() => {
              const next = items.filter((_, i) => i !== index);
              onChange(next.length ? next : undefined);
            }}
          >
            <XIcon className="size-3.5" />
          </button>
        </div>
      ))}
      <button
        type="button"
        className="inline-flex h-7 items-center gap-1 rounded-md px-2 text-xs font-medium text-indigo-600 hover:bg-indigo-50"
        onClick={() => onChange([...items, ''])}
      >
        <PlusIcon className="size-3.5" /> Add {placeholder}
      </button>
    </div>
  );
}

/** A titled block of the side panel. */
export function PanelSection({
  title,
  children,
  actions,
}: {
  title: ReactNode;
  children: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <section className="border-b border-slate-200 px-4 py-4 last:border-b-0">
      <div className="mb-3 flex items-center justify-between gap-2">
        <h3 className="text-[11px] font-semibold tracking-wide text-slate-500 uppercase">
          {title}
        </h3>
        {actions}
      </div>
      <div className="space-y-3">{children}</div>
    </section>
  );
}
