//! The registry, guarded by role and department, and the in-memory index the ingest path and
//! the live stream read: entity → (kind, department, region) and kind → schema.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use zhicheng_model::time_util::now_ms;
use zhicheng_model::{Actor, Department, Entity, EntityQuery, Grid, Kind, Page, Region};
use zhicheng_store::{AuditEntry, Store};

use crate::error::invalid;
use crate::{Engine, Error, Result};

/// What the hot paths need to know about an entity.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityInfo {
    /// Kind id.
    pub kind: Arc<str>,
    /// Owning department.
    pub department: Arc<str>,
    /// Region code.
    pub region: Arc<str>,
    /// Retired entities accept no readings.
    pub retired: bool,
    /// Display name (for the map and the command center).
    pub name: Arc<str>,
    /// Lifecycle status.
    pub lifecycle: zhicheng_model::EntityStatus,
    /// Where to draw it: the point itself, or the centre of a line's or area's bounding box.
    pub point: Option<(f64, f64)>,
    /// The numeric attributes (an occupancy rule's capacity), sorted by name.
    pub numbers: Arc<[(Box<str>, f64)]>,
}

impl zhicheng_rules::Attributes for EntityInfo {
    fn number(&self, name: &str) -> Option<f64> {
        self.numbers
            .binary_search_by(|(k, _)| (**k).cmp(name))
            .ok()
            .map(|i| self.numbers[i].1)
    }
}

#[derive(Default)]
pub(crate) struct IndexData {
    pub(crate) entities: HashMap<String, EntityInfo>,
    pub(crate) kinds: HashMap<String, Arc<Kind>>,
}

/// In-memory index of entities and kinds, kept in step with every registry write.
#[derive(Default)]
pub(crate) struct Index {
    pub(crate) data: RwLock<IndexData>,
}

fn info(e: &Entity) -> EntityInfo {
    EntityInfo {
        kind: e.kind.as_str().into(),
        department: e.department.as_str().into(),
        region: e.region.as_str().into(),
        retired: e.status == zhicheng_model::EntityStatus::Retired,
        name: e.name.as_str().into(),
        lifecycle: e.status,
        point: e
            .geometry
            .as_ref()
            .and_then(zhicheng_model::geometry::bbox)
            .map(|b| b.center()),
        numbers: {
            let mut n: Vec<(Box<str>, f64)> = e
                .attributes
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().into(), v.as_f64()?)))
                .collect();
            n.sort_by(|a, b| a.0.cmp(&b.0));
            n.into()
        },
    }
}

impl Index {
    pub(crate) async fn load(store: &dyn Store) -> Result<Index> {
        let mut data = IndexData::default();
        for k in store.list_kinds().await? {
            data.kinds.insert(k.id.clone(), Arc::new(k));
        }
        let mut after = None;
        loop {
            let page = store
                .list_entities(&EntityQuery {
                    after: after.clone(),
                    limit: 1000,
                    ..Default::default()
                })
                .await?;
            for e in &page.items {
                data.entities.insert(e.id.clone(), info(e));
            }
            match page.next_cursor {
                Some(c) => after = Some(c),
                None => break,
            }
        }
        Ok(Index {
            data: RwLock::new(data),
        })
    }

    pub(crate) fn read(&self) -> std::sync::RwLockReadGuard<'_, IndexData> {
        // A panic while holding the lock cannot leave the maps half-updated (each write is one
        // insert or remove), so a poisoned lock is still safe to use.
        self.data.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, IndexData> {
        self.data.write().unwrap_or_else(|p| p.into_inner())
    }
}

fn need_registry_admin(actor: &Actor) -> Result<()> {
    if actor.can_admin_registry() {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only the big-data center (operator) or an admin may change the shared registry".into(),
        ))
    }
}

impl Engine {
    /// The index entry of an entity.
    pub fn entity_info(&self, id: &str) -> Option<EntityInfo> {
        self.inner.index.read().entities.get(id).cloned()
    }

    /// A kind from the index.
    pub fn kind(&self, id: &str) -> Option<Arc<Kind>> {
        self.inner.index.read().kinds.get(id).cloned()
    }

    /// Records an action in the audit trail (failures are logged, never fatal to the action).
    pub async fn audit(&self, actor: &str, action: &str, target: &str, detail: serde_json::Value) {
        let entry = AuditEntry {
            id: 0,
            ts: now_ms(),
            actor: actor.into(),
            action: action.into(),
            target: target.into(),
            detail: detail.to_string(),
        };
        if let Err(e) = self.inner.store.append_audit(&entry).await {
            tracing::error!(error = %e, action, target, "audit write failed");
        }
    }

    /// The audit trail, newest first (admins only): `limit` 1–1000 entries with ids below
    /// `before`.
    pub async fn audit_log(
        &self,
        actor: &Actor,
        limit: usize,
        before: Option<i64>,
    ) -> Result<Vec<AuditEntry>> {
        if !actor.can_admin_users() {
            return Err(Error::Forbidden("only admins read the audit trail".into()));
        }
        if !(1..=1000).contains(&limit) {
            return Err(invalid("limit", "must be 1 to 1000"));
        }
        Ok(self.inner.store.list_audit(limit, before).await?)
    }

    // ---- regions ----

    /// All regions.
    pub async fn regions(&self) -> Result<Vec<Region>> {
        Ok(self.inner.store.list_regions().await?)
    }

    /// One region.
    pub async fn region(&self, code: &str) -> Result<Region> {
        self.inner
            .store
            .get_region(code)
            .await?
            .ok_or_else(|| Error::NotFound(format!("region {code}")))
    }

    /// Creates or replaces a region (its parent must exist).
    pub async fn put_region(&self, actor: &Actor, mut r: Region) -> Result<Region> {
        need_registry_admin(actor)?;
        r.validate()?;
        if let Some(p) = &r.parent {
            if self.inner.store.get_region(p).await?.is_none() {
                return Err(invalid("parent", format!("region {p} does not exist")));
            }
        }
        self.inner.store.put_region(&r).await?;
        self.scorecard_changed();
        self.audit(
            &actor.username,
            "region.put",
            &r.code,
            serde_json::json!({}),
        )
        .await;
        Ok(r)
    }

    /// Deletes a region.
    pub async fn delete_region(&self, actor: &Actor, code: &str) -> Result<()> {
        need_registry_admin(actor)?;
        if !self.inner.store.delete_region(code).await? {
            return Err(Error::NotFound(format!("region {code}")));
        }
        self.scorecard_changed();
        self.audit(
            &actor.username,
            "region.delete",
            code,
            serde_json::json!({}),
        )
        .await;
        Ok(())
    }

    // ---- departments ----

    /// All departments.
    pub async fn departments(&self) -> Result<Vec<Department>> {
        Ok(self.inner.store.list_departments().await?)
    }

    /// One department.
    pub async fn department(&self, id: &str) -> Result<Department> {
        self.inner
            .store
            .get_department(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("department {id}")))
    }

    /// Creates or replaces a department.
    pub async fn put_department(&self, actor: &Actor, d: Department) -> Result<Department> {
        need_registry_admin(actor)?;
        d.validate()?;
        if let Some(r) = &d.region {
            if self.inner.store.get_region(r).await?.is_none() {
                return Err(invalid("region", format!("region {r} does not exist")));
            }
        }
        self.inner.store.put_department(&d).await?;
        self.scorecard_changed();
        self.audit(
            &actor.username,
            "department.put",
            &d.id,
            serde_json::json!({}),
        )
        .await;
        Ok(d)
    }

    /// Deletes a department.
    pub async fn delete_department(&self, actor: &Actor, id: &str) -> Result<()> {
        need_registry_admin(actor)?;
        if !self.inner.store.delete_department(id).await? {
            return Err(Error::NotFound(format!("department {id}")));
        }
        self.scorecard_changed();
        self.audit(
            &actor.username,
            "department.delete",
            id,
            serde_json::json!({}),
        )
        .await;
        Ok(())
    }

    // ---- grids ----

    /// Grids, optionally of one region and below.
    pub async fn grids(&self, region: Option<&str>) -> Result<Vec<Grid>> {
        Ok(self.inner.store.list_grids(region).await?)
    }

    /// One grid.
    pub async fn grid(&self, id: &str) -> Result<Grid> {
        self.inner
            .store
            .get_grid(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("grid {id}")))
    }

    /// Creates or replaces a grid (region and departments must exist).
    pub async fn put_grid(&self, actor: &Actor, g: Grid) -> Result<Grid> {
        need_registry_admin(actor)?;
        g.validate()?;
        if self.inner.store.get_region(&g.region).await?.is_none() {
            return Err(invalid(
                "region",
                format!("region {} does not exist", g.region),
            ));
        }
        for d in &g.departments {
            if self.inner.store.get_department(d).await?.is_none() {
                return Err(invalid(
                    "departments",
                    format!("department {d} does not exist"),
                ));
            }
        }
        self.inner.store.put_grid(&g).await?;
        self.scorecard_changed();
        self.audit(&actor.username, "grid.put", &g.id, serde_json::json!({}))
            .await;
        Ok(g)
    }

    /// Deletes a grid.
    pub async fn delete_grid(&self, actor: &Actor, id: &str) -> Result<()> {
        need_registry_admin(actor)?;
        if !self.inner.store.delete_grid(id).await? {
            return Err(Error::NotFound(format!("grid {id}")));
        }
        self.scorecard_changed();
        self.audit(&actor.username, "grid.delete", id, serde_json::json!({}))
            .await;
        Ok(())
    }

    // ---- kinds ----

    /// All kinds.
    pub async fn kinds(&self) -> Result<Vec<Kind>> {
        Ok(self.inner.store.list_kinds().await?)
    }

    /// Creates or replaces a kind. A metric still in use by history may be removed; its
    /// history stays queryable but new readings of it are refused.
    pub async fn put_kind(&self, actor: &Actor, k: Kind) -> Result<Kind> {
        need_registry_admin(actor)?;
        k.validate()?;
        self.inner.store.put_kind(&k).await?;
        self.inner
            .index
            .write()
            .kinds
            .insert(k.id.clone(), Arc::new(k.clone()));
        self.scorecard_changed();
        self.audit(&actor.username, "kind.put", &k.id, serde_json::json!({}))
            .await;
        Ok(k)
    }

    /// Deletes a kind no entity uses.
    pub async fn delete_kind(&self, actor: &Actor, id: &str) -> Result<()> {
        need_registry_admin(actor)?;
        if !self.inner.store.delete_kind(id).await? {
            return Err(Error::NotFound(format!("kind {id}")));
        }
        self.inner.index.write().kinds.remove(id);
        self.scorecard_changed();
        self.audit(&actor.username, "kind.delete", id, serde_json::json!({}))
            .await;
        Ok(())
    }

    // ---- entities ----

    /// Entities the actor may see, filtered and paged. A department user's query is confined
    /// to its own department whatever filter it asks for.
    pub async fn entities(&self, actor: &Actor, mut q: EntityQuery) -> Result<Page<Entity>> {
        if let Some(scope) = actor.scope() {
            match &q.department {
                Some(d) if d != scope => {
                    return Ok(Page {
                        items: vec![],
                        next_cursor: None,
                    })
                }
                _ => q.department = Some(scope.to_string()),
            }
        }
        q.limit = q.limit.clamp(1, 1000);
        Ok(self.inner.store.list_entities(&q).await?)
    }

    /// One entity, if the actor may see it (otherwise "not found", so that its existence
    /// does not leak across departments).
    pub async fn entity(&self, actor: &Actor, id: &str) -> Result<Entity> {
        let e = self
            .inner
            .store
            .get_entity(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("entity {id}")))?;
        if !actor.can_read_department(&e.department) {
            return Err(Error::NotFound(format!("entity {id}")));
        }
        Ok(e)
    }

    /// Checks an entity against its kind and the registry before it is stored.
    async fn check_entity(&self, e: &Entity) -> Result<()> {
        e.validate()?;
        let kind = self
            .kind(&e.kind)
            .ok_or_else(|| invalid("kind", format!("kind {} does not exist", e.kind)))?;
        kind.check_attributes(&e.attributes)?;
        if self
            .inner
            .store
            .get_department(&e.department)
            .await?
            .is_none()
        {
            return Err(invalid(
                "department",
                format!("department {} does not exist", e.department),
            ));
        }
        if self.inner.store.get_region(&e.region).await?.is_none() {
            return Err(invalid(
                "region",
                format!("region {} does not exist", e.region),
            ));
        }
        Ok(())
    }

    /// Creates an entity.
    pub async fn create_entity(&self, actor: &Actor, e: Entity) -> Result<Entity> {
        let e = self.check_new_entity(actor, e).await?;
        self.inner.store.insert_entity(&e).await?;
        self.inner
            .index
            .write()
            .entities
            .insert(e.id.clone(), info(&e));
        self.scorecard_changed();
        self.audit(
            &actor.username,
            "entity.create",
            &e.id,
            serde_json::json!({}),
        )
        .await;
        Ok(e)
    }

    /// Checks and stores many new entities (seeding); all or nothing.
    pub async fn seed_entities(&self, actor: &Actor, es: Vec<Entity>) -> Result<usize> {
        let mut checked = Vec::with_capacity(es.len());
        for e in es {
            checked.push(self.check_new_entity(actor, e).await?);
        }
        self.insert_checked_entities(&checked).await?;
        self.scorecard_changed();
        self.audit(
            &actor.username,
            "entity.seed",
            "",
            serde_json::json!({"rows": checked.len()}),
        )
        .await;
        Ok(checked.len())
    }

    /// Stores many checked entities in one transaction (imports and seeding).
    pub(crate) async fn insert_checked_entities(&self, es: &[Entity]) -> Result<()> {
        self.inner.store.insert_entities(es).await?;
        self.scorecard_changed();
        let mut idx = self.inner.index.write();
        for e in es {
            idx.entities.insert(e.id.clone(), info(e));
        }
        Ok(())
    }

    /// Checks a new entity (authorization, schema, references, id not taken); returns it with
    /// its times set. The store's unique key still decides a race between two creators.
    pub(crate) async fn check_new_entity(&self, actor: &Actor, mut e: Entity) -> Result<Entity> {
        if !actor.can_write_department(&e.department) {
            return Err(Error::Forbidden(format!(
                "you may not create entities for department {}",
                e.department
            )));
        }
        self.check_entity(&e).await?;
        if self.entity_info(&e.id).is_some() {
            return Err(Error::Conflict(format!("entity {} already exists", e.id)));
        }
        let now = now_ms();
        e.created_ms = now;
        e.updated_ms = now;
        Ok(e)
    }

    /// Replaces an entity. Department users may change only their own department's entities
    /// and may not hand one to another department.
    pub async fn update_entity(&self, actor: &Actor, mut e: Entity) -> Result<Entity> {
        let old = self.entity(actor, &e.id).await?;
        if !actor.can_write_department(&old.department)
            || !actor.can_write_department(&e.department)
        {
            return Err(Error::Forbidden(format!(
                "you may not change entity {}",
                e.id
            )));
        }
        self.check_entity(&e).await?;
        e.created_ms = old.created_ms;
        e.updated_ms = now_ms();
        if !self.inner.store.update_entity(&e).await? {
            return Err(Error::NotFound(format!("entity {}", e.id)));
        }
        self.inner
            .index
            .write()
            .entities
            .insert(e.id.clone(), info(&e));
        self.scorecard_changed();
        self.audit(
            &actor.username,
            "entity.update",
            &e.id,
            serde_json::json!({}),
        )
        .await;
        Ok(e)
    }

    /// Deletes an entity with its history and device tokens.
    pub async fn delete_entity(&self, actor: &Actor, id: &str) -> Result<()> {
        let old = self.entity(actor, id).await?;
        if !actor.can_write_department(&old.department) {
            return Err(Error::Forbidden(format!("you may not delete entity {id}")));
        }
        self.inner.store.delete_entity(id).await?;
        self.inner.index.write().entities.remove(id);
        self.inner.tokens.remove_entity(id);
        self.inner.live.forget_entity(id);
        self.scorecard_changed();
        self.audit(&actor.username, "entity.delete", id, serde_json::json!({}))
            .await;
        Ok(())
    }
}
