'use client';

import dynamic from 'next/dynamic';
import { useId } from 'react';
import type { ConfigField } from './config-schema';
import {
  Field,
  JsonTextarea,
  KeyValueEditor,
  ListEditor,
  NumberInput,
  Select,
  Switch,
  TextInput,
} from './form-controls';
import { TemplateInput } from './template-input';

const CodeEditor = dynamic(() => import('./code-editor'), {
  ssr: false,
  loading: () => (
    <div className="h-36 animate-pulse rounded-md border border-slate-200 bg-slate-50" />
  ),
});

const NUMBER_TEXT = /^-?\d+(\.\d+)?$/;

/** A number field that also takes a `{{ template }}` (the schema allows a string there). */
function NumberOrTemplate({
  value,
  onChange,
  suggestions,
  invalid,
  id,
  testId,
}: {
  value: unknown;
  onChange: (value: unknown) => void;
  suggestions: readonly string[];
  invalid: boolean;
  id: string;
  testId: string;
}) {
  return (
    <TemplateInput
      id={id}
      value={value === undefined ? '' : String(value)}
      suggestions={suggestions}
      invalid={invalid}
      placeholder="a number or {{ params.x }}"
      data-testid={testId}
      onChange={(text) => {
        const trimmed = text.trim();
        onChange(trimmed === '' ? undefined : NUMBER_TEXT.test(trimmed) ? Number(trimmed) : text);
      }}
    />
  );
}

/** One config field of the inspector, by its kind. */
export function ConfigFieldInput({
  field,
  value,
  onChange,
  errors,
  suggestions,
  language,
}: {
  field: ConfigField;
  value: unknown;
  onChange: (value: unknown) => void;
  errors: readonly string[];
  suggestions: readonly string[];
  /** For a code field: the node's `config.language`. */
  language: 'javascript' | 'typescript';
}) {
  const id = useId();
  const invalid = errors.length > 0;
  const testId = `config-${field.key}`;
  const text = typeof value === 'string' ? value : value === undefined ? '' : String(value);
  // An optional text field cleared by the user leaves the document; a required one stays "".
  const setText = (next: string) => onChange(next === '' && !field.required ? undefined : next);

  let control: React.ReactNode;
  switch (field.kind) {
    case 'code':
      control = (
        <CodeEditor value={text} onChange={setText} language={language} invalid={invalid} />
      );
      break;
    case 'text':
      control = field.template ? (
        <TemplateInput
          id={id}
          value={text}
          onChange={setText}
          suggestions={suggestions}
          multiline={field.multiline}
          invalid={invalid}
          data-testid={testId}
        />
      ) : (
        <TextInput
          id={id}
          value={text}
          onChange={setText}
          invalid={invalid}
          mono
          data-testid={testId}
        />
      );
      break;
    case 'select':
      control = (
        <Select
          id={id}
          value={typeof value === 'string' ? value : undefined}
          options={field.options.map((o) => ({ value: o, label: o }))}
          emptyLabel={field.required ? undefined : 'Default'}
          onChange={onChange}
          invalid={invalid}
          data-testid={testId}
        />
      );
      break;
    case 'switch':
      control = (
        <div className="flex h-8 items-center">
          <Switch
            id={id}
            checked={value === true}
            label={field.label}
            onChange={(checked) => onChange(checked ? true : field.required ? false : undefined)}
            data-testid={testId}
          />
        </div>
      );
      break;
    case 'number':
      control = field.templated ? (
        <NumberOrTemplate
          id={id}
          value={value}
          onChange={onChange}
          suggestions={suggestions}
          invalid={invalid}
          testId={testId}
        />
      ) : (
        <NumberInput
          id={id}
          value={typeof value === 'number' ? value : undefined}
          onChange={onChange}
          integer={field.integer}
          min={field.min}
          max={field.max}
          invalid={invalid}
          data-testid={testId}
        />
      );
      break;
    case 'keyvalue':
      control = (
        <KeyValueEditor
          value={
            typeof value === 'object' && value !== null
              ? (value as Record<string, unknown>)
              : undefined
          }
          onChange={onChange}
          json={field.json}
          data-testid={testId}
        />
      );
      break;
    case 'list':
      control = (
        <ListEditor
          value={Array.isArray(value) ? value.map(String) : undefined}
          onChange={onChange}
          data-testid={testId}
        />
      );
      break;
    default:
      control = (
        <JsonTextarea
          id={id}
          value={value}
          onChange={onChange}
          invalid={invalid}
          data-testid={testId}
        />
      );
  }

  return (
    <Field
      label={field.label}
      htmlFor={
        field.kind === 'code' || field.kind === 'keyvalue' || field.kind === 'list' ? undefined : id
      }
      optional={!field.required}
      hint={field.description}
      errors={errors}
      data-testid={`field-${field.key}`}
    >
      {control}
    </Field>
  );
}
