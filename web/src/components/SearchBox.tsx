// A text search that asks the server (`q`) once typing pauses, not on every key.
import { useEffect, useState } from "react";
import { Field } from "./ui";

export function SearchBox({ value, onChange, label = "Search" }: { value: string; onChange: (v: string) => void; label?: string }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text === value) return;
    const timer = setTimeout(() => onChange(text), 300);
    return () => clearTimeout(timer);
  }, [text, value, onChange]);
  return (
    <Field label={label}>
      <input type="search" value={text} onChange={(e) => setText(e.target.value)} />
    </Field>
  );
}
