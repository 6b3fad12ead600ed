// Create or edit an asset: what it is, its status, where it is, how often it must check in.
import { api, unwrap, type Asset, type Schemas } from "../api/client";
import { numberOrNull, parseObject, SaveProblems, useEditor } from "../components/editor";
import { ASSET_KINDS, ASSET_STATUSES, Field, Select } from "../components/ui";

type Draft = Pick<Asset, "name" | "kind" | "status"> & {
  callsign: string;
  lat: string;
  lon: string;
  heartbeat_seconds: string;
  attributes: string;
};

const toDraft = (a: Asset | undefined): Draft => ({
  name: a?.name ?? "",
  kind: a?.kind ?? "other",
  status: a?.status ?? "available",
  callsign: a?.callsign ?? "",
  lat: a?.lat?.toString() ?? "",
  lon: a?.lon?.toString() ?? "",
  heartbeat_seconds: a?.heartbeat_seconds?.toString() ?? "",
  attributes: a && Object.keys(a.attributes).length ? JSON.stringify(a.attributes, null, 2) : "",
});

export function AssetForm({ asset, onDone }: { asset?: Asset; onDone: (saved: Asset) => void }) {
  const editor = useEditor({
    resource: "assets",
    current: asset,
    toDraft,
    save: (draft, ifMatch) => {
      const body: Schemas["AssetUpdate"] = {
        name: draft.name,
        kind: draft.kind,
        status: draft.status,
        callsign: draft.callsign || null,
        lat: numberOrNull(draft.lat),
        lon: numberOrNull(draft.lon),
        heartbeat_seconds: numberOrNull(draft.heartbeat_seconds),
        attributes: parseObject("attributes", draft.attributes),
      };
      return asset
        ? unwrap(
            api.PATCH("/api/v1/assets/{ref}", {
              params: { path: { ref: String(asset.id) }, header: { "if-match": ifMatch } },
              body,
            }),
          )
        : unwrap(api.POST("/api/v1/assets", { body: body as Schemas["AssetCreate"] }));
    },
    onSaved: onDone,
  });
  const { draft, set, errorFor } = editor;
  return (
    <form onSubmit={editor.submit} noValidate className="panel" aria-label={asset ? "Edit asset" : "New asset"}>
      <div className="row">
        <Field label="Name" error={errorFor("name")}>
          <input value={draft.name} onChange={(e) => set("name", e.target.value)} required />
        </Field>
        <Field label="Callsign" error={errorFor("callsign")}>
          <input value={draft.callsign} onChange={(e) => set("callsign", e.target.value)} />
        </Field>
      </div>
      <div className="row">
        <Select label="Kind" value={draft.kind} options={ASSET_KINDS} onChange={(v) => v && set("kind", v)} error={errorFor("kind")} />
        <Select label="Status" value={draft.status} options={ASSET_STATUSES} onChange={(v) => v && set("status", v)} error={errorFor("status")} />
      </div>
      <div className="row">
        <Field label="Latitude" error={errorFor("lat")}>
          <input type="number" step="any" inputMode="decimal" value={draft.lat} onChange={(e) => set("lat", e.target.value)} />
        </Field>
        <Field label="Longitude" error={errorFor("lon")}>
          <input type="number" step="any" inputMode="decimal" value={draft.lon} onChange={(e) => set("lon", e.target.value)} />
        </Field>
        <Field label="Check in every (seconds)" error={errorFor("heartbeat_seconds")}>
          <input type="number" inputMode="numeric" value={draft.heartbeat_seconds} onChange={(e) => set("heartbeat_seconds", e.target.value)} />
        </Field>
      </div>
      <Field label="Attributes (JSON object)" error={errorFor("attributes")}>
        <textarea className="code" value={draft.attributes} onChange={(e) => set("attributes", e.target.value)} rows={3} placeholder='{"radio": "VHF"}' />
      </Field>
      <button type="submit" disabled={editor.saving}>
        {asset ? "Save changes" : "Create asset"}
      </button>
      <SaveProblems editor={editor} what="asset" />
    </form>
  );
}
