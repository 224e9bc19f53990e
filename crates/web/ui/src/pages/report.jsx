// #/report: the phone-first report page for grid workers (and later citizens). The place comes
// from the phone's position (navigator.geolocation) or a tap on the map; then category, photo
// (the camera), description; after submitting it shows the case number.
import { useEffect, useState } from "preact/hooks";
import "./console.css";
import "./cases.css";
import { api } from "../api.js";
import { t, fmtNum } from "../i18n.js";
import { Field, FormError, useAction, errMsg } from "../components/form.jsx";
import { CategoryPicker, PointPicker, fmtPoint, useCategories } from "../components/case-form.jsx";
import { statusLabel, uploadPhoto } from "../components/cases.js";
import { Duplicates } from "./case-new.jsx";

export function ReportPage({ ui }) {
  const cats = useCategories();
  const [point, setPoint] = useState(null);
  const [geo, setGeo] = useState(""); // "", "locating", "ok:<m>", "failed"
  const [category, setCategory] = useState("");
  const [description, setDescription] = useState("");
  const [photo, setPhoto] = useState(null);
  const [done, setDone] = useState(null);
  const act = useAction();
  useEffect(() => {
    document.body.dataset.page = "report";
  }, []);

  function locate() {
    if (!navigator.geolocation) {
      setGeo("failed");
      return;
    }
    setGeo("locating");
    navigator.geolocation.getCurrentPosition(
      (p) => {
        setPoint([Math.round(p.coords.longitude * 1e6) / 1e6, Math.round(p.coords.latitude * 1e6) / 1e6]);
        setGeo("ok:" + Math.round(p.coords.accuracy || 0));
      },
      () => setGeo("failed"),
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
    );
  }

  async function submit(e) {
    e.preventDefault();
    const body = { category, description: description.trim() };
    if (point) [body.lon, body.lat] = point;
    const r = await act.run(() => api("/cases", { method: "POST", body }));
    if (!r.ok) return;
    const c = r.value;
    let photoErr = null;
    if (photo) {
      try {
        await uploadPhoto(c.id, photo);
      } catch (err) {
        photoErr = errMsg(err);
      }
    }
    setDone({ c, photoErr });
  }

  if (done) {
    return (
      <section class="cs-report" aria-labelledby="cs-rp-h">
        <h1 id="cs-rp-h">{t("cs.rp.done")}</h1>
        <div class="panel cs-rp-done" data-case={done.c.id}>
          <p class="muted">{t("cs.rp.number")}</p>
          <p class="cs-rp-number">{done.c.id}</p>
          <p>{t("cs.rp.status", { status: statusLabel(done.c.status) })}</p>
          {done.photoErr && <p class="err">{t("cs.rp.photo_failed", { msg: done.photoErr })}</p>}
          <Duplicates dups={done.c.duplicates} />
          <button
            type="button"
            class="primary wide"
            onClick={() => {
              setDone(null);
              setDescription("");
              setPhoto(null);
              setCategory("");
            }}
          >
            {t("cs.rp.again")}
          </button>
        </div>
      </section>
    );
  }
  return (
    <section class="cs-report" aria-labelledby="cs-rp-h">
      <h1 id="cs-rp-h">{t("cs.rp.title")}</h1>
      <form onSubmit={submit} class="panel">
        <div class="cs-rp-place">
          <button type="button" onClick={locate} disabled={geo === "locating"} class="wide">
            {geo === "locating" ? t("cs.rp.locating") : t("cs.rp.locate")}
          </button>
          {geo.startsWith("ok:") && <p class="small ok-msg" role="status">{t("cs.rp.located", { m: fmtNum(Number(geo.slice(3))) })}</p>}
          {geo === "failed" && <p class="small err" role="alert">{t("cs.rp.no_geo")}</p>}
          <PointPicker ui={ui} point={point} onPick={setPoint} className="cs-rp-map" />
          <p class="cs-point small" data-point={point ? point.join(",") : ""}>{fmtPoint(point)}</p>
        </div>
        <CategoryPicker cats={cats} value={category} onChange={setCategory} />
        <Field label={t("cs.rp.photo")}>
          <input type="file" name="photo" accept="image/*" capture="environment" onChange={(e) => setPhoto(e.currentTarget.files[0] || null)} />
        </Field>
        <Field label={t("cs.new.description")} required>
          <textarea name="description" rows={3} required maxLength={2000} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </Field>
        <FormError error={act.error} />
        <button type="submit" class="primary wide" disabled={act.busy || !category}>
          {t("cs.rp.submit")}
        </button>
      </form>
    </section>
  );
}
