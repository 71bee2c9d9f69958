'use client';

import { javascript } from '@codemirror/lang-javascript';
import CodeMirror, { EditorView } from '@uiw/react-codemirror';
import { useMemo } from 'react';

/**
 * The code task's source in CodeMirror 6, highlighted as JavaScript or
 * TypeScript. Loaded on demand (next/dynamic) so the canvas does not carry
 * the editor in its first bundle.
 */
export default function CodeEditor({
  value,
  onChange,
  language,
  invalid,
}: {
  value: string;
  onChange: (value: string) => void;
  language: 'javascript' | 'typescript';
  invalid?: boolean;
}) {
  const extensions = useMemo(
    () => [javascript({ typescript: language === 'typescript' }), EditorView.lineWrapping],
    [language],
  );
  return (
    <div
      className={
        invalid
          ? 'overflow-hidden rounded-md border border-red-400'
          : 'overflow-hidden rounded-md border border-slate-300 focus-within:border-indigo-500 focus-within:ring-1 focus-within:ring-indigo-500'
      }
      data-testid="code-editor"
      data-language={language}
    >
      <CodeMirror
        value={value}
        onChange={onChange}
        extensions={extensions}
        theme="light"
        minHeight="140px"
        maxHeight="380px"
        basicSetup={{ foldGutter: false, highlightActiveLine: false, searchKeymap: false }}
        aria-label="Source"
        className="text-xs"
      />
    </div>
  );
}
