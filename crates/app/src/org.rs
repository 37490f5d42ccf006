//! Administration: organisations, units and staff accounts. Administrators only;
//! no citizen data passes through here.

use std::sync::Arc;

use tvaers_domain::Actor;
use tvaers_domain::ValidationErrors;
use tvaers_domain::ids::{OrganisationId, StaffId, UnitId};
use tvaers_domain::org::{Organisation, Unit, UnitData};
use tvaers_domain::staff::{Staff, StaffData, check_password};
use tvaers_store::Page;

use crate::auth::hash_password;
use crate::policy::{Action, Resource};
use crate::{App, AppError, AppResult};

/// How long pages may show a unit or staff list that another server changed.
pub const DIRECTORY_TTL: std::time::Duration = std::time::Duration::from_secs(10);

/// The directory and when it was read.
pub(crate) type CachedDirectory = (std::time::Instant, Arc<Directory>);

/// What pages name things with ([`App::directory`]).
#[derive(Debug, Default)]
pub struct Directory {
    /// By name.
    pub units: Vec<Unit>,
    /// Active professionals and leaders, by name.
    pub staff: Vec<Staff>,
    /// Every custom scale, retired ones too (goals may still use them).
    pub scales: Vec<tvaers_domain::scale::CustomScale>,
}

/// Raw input for a staff account.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
// Missing keys become empty values, so they get the same Danish field errors as empty ones.
pub struct StaffInput {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub profession: String,
    pub organisation_id: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub unit_ids: Vec<String>,
    /// Required for a new account; ignored on update.
    #[serde(default)]
    pub password: Option<String>,
    /// Absent means active.
    #[serde(default = "active_by_default")]
    pub active: bool,
}

fn active_by_default() -> bool {
    true
}

impl Default for StaffInput {
    fn default() -> Self {
        StaffInput {
            username: String::new(),
            full_name: String::new(),
            profession: String::new(),
            organisation_id: None,
            email: None,
            unit_ids: vec![],
            password: None,
            active: true,
        }
    }
}

impl App {
    async fn admin(&self, actor: &Actor, action: Action) -> AppResult<()> {
        self.authorize(
            actor,
            action,
            Resource::Administration,
            "administration",
            None,
        )
        .await
        .map(|_| ())
    }

    /// Organisations and units are readable by every logged-in staff member
    /// (they are needed to pick a responsible unit); only admins change them.
    pub async fn list_organisations(&self) -> AppResult<Vec<Organisation>> {
        Ok(self.store.list_organisations().await?)
    }

    /// Units, from a short-lived cache: pages need the names on every request.
    pub async fn list_units(&self) -> AppResult<Vec<Unit>> {
        Ok(self.directory().await?.units.clone())
    }

    /// Units, assignable staff and custom scales for display (names in lists
    /// and forms), cached for [`DIRECTORY_TTL`] and forgotten at once after a
    /// change through this server. Never used to decide anything: sessions and
    /// the policy read the staff member afresh on every request, and a
    /// measurement is checked against its scale as stored.
    pub async fn directory(&self) -> AppResult<Arc<Directory>> {
        if let Ok(guard) = self.directory.lock()
            && let Some((at, directory)) = guard.as_ref()
            && at.elapsed() < DIRECTORY_TTL
        {
            return Ok(directory.clone());
        }
        let (mut units, all, scales) = tokio::try_join!(
            self.store.list_units(),
            self.store.list_staff(Page::new(Page::MAX_LIMIT, 0)),
            self.store.list_scales(),
        )?;
        let mut staff: Vec<Staff> = all
            .into_iter()
            .filter(|s| {
                s.active
                    && matches!(
                        s.role(),
                        tvaers_domain::staff::Role::Professional
                            | tvaers_domain::staff::Role::Leader
                    )
            })
            .collect();
        staff.sort_by(|a, b| a.full_name.cmp(&b.full_name));
        units.sort_by(|a, b| a.name.cmp(&b.name));
        let directory = Arc::new(Directory {
            units,
            staff,
            scales,
        });
        if let Ok(mut guard) = self.directory.lock() {
            *guard = Some((std::time::Instant::now(), directory.clone()));
        }
        Ok(directory)
    }

    /// Forgets the cached directory after a change through this server.
    pub(crate) fn directory_changed(&self) {
        if let Ok(mut guard) = self.directory.lock() {
            *guard = None;
        }
    }

    pub async fn create_unit(
        &self,
        actor: &Actor,
        organisation_id: OrganisationId,
        parent_id: Option<UnitId>,
        name: &str,
        kind: &str,
    ) -> AppResult<Unit> {
        self.admin(actor, Action::Create).await?;
        let data = UnitData::parse(organisation_id, parent_id, name, kind)?;
        self.check_unit_refs(&data, None).await?;
        let unit = Unit {
            id: UnitId::new(),
            organisation_id: data.organisation_id,
            parent_id: data.parent_id,
            name: data.name,
            kind: data.kind,
        };
        self.store.create_unit(&unit).await?;
        self.directory_changed();
        Ok(unit)
    }

    pub async fn update_unit(
        &self,
        actor: &Actor,
        id: UnitId,
        parent_id: Option<UnitId>,
        name: &str,
        kind: &str,
    ) -> AppResult<Unit> {
        self.admin(actor, Action::Update).await?;
        let existing = self.store.get_unit(id).await?.ok_or(AppError::NotFound)?;
        let data = UnitData::parse(existing.organisation_id, parent_id, name, kind)?;
        self.check_unit_refs(&data, Some(id)).await?;
        let unit = Unit {
            id,
            organisation_id: data.organisation_id,
            parent_id: data.parent_id,
            name: data.name,
            kind: data.kind,
        };
        self.store.update_unit(&unit).await?;
        self.directory_changed();
        Ok(unit)
    }

    async fn check_unit_refs(&self, data: &UnitData, this: Option<UnitId>) -> AppResult<()> {
        if self
            .store
            .get_organisation(data.organisation_id)
            .await?
            .is_none()
        {
            return Err(
                ValidationErrors::single("organisation_id", "Organisationen findes ikke.").into(),
            );
        }
        let Some(parent) = data.parent_id else {
            return Ok(());
        };
        let units = self.store.list_units().await?;
        let Some(p) = units.iter().find(|u| u.id == parent) else {
            return Err(ValidationErrors::single(
                "parent_id",
                "Den overordnede enhed findes ikke.",
            )
            .into());
        };
        if p.organisation_id != data.organisation_id {
            return Err(ValidationErrors::single(
                "parent_id",
                "Den overordnede enhed skal høre til samme organisation.",
            )
            .into());
        }
        // Refuse a parent that is the unit itself or one of its descendants.
        if let Some(this) = this {
            let mut cur = Some(parent);
            let mut steps = 0;
            while let Some(c) = cur {
                if c == this {
                    return Err(ValidationErrors::single(
                        "parent_id",
                        "En enhed kan ikke ligge under sig selv.",
                    )
                    .into());
                }
                cur = units.iter().find(|u| u.id == c).and_then(|u| u.parent_id);
                steps += 1;
                if steps > units.len() {
                    break;
                }
            }
        }
        Ok(())
    }

    pub async fn list_staff(&self, actor: &Actor, page: Page) -> AppResult<(Vec<Staff>, i64)> {
        self.admin(actor, Action::Read).await?;
        Ok((
            self.store.list_staff(page).await?,
            self.store.count_staff().await?,
        ))
    }

    pub async fn get_staff(&self, actor: &Actor, id: StaffId) -> AppResult<Staff> {
        self.admin(actor, Action::Read).await?;
        self.store.get_staff(id).await?.ok_or(AppError::NotFound)
    }

    /// Staff a case can be assigned to: active, not volunteers or administrators.
    pub async fn assignable_staff(&self) -> AppResult<Vec<Staff>> {
        Ok(self.directory().await?.staff.clone())
    }

    fn parse_staff(
        &self,
        input: &StaffInput,
        default_org: Option<OrganisationId>,
    ) -> AppResult<StaffData> {
        let mut e = ValidationErrors::new();
        let org = match input.organisation_id.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() => s.parse::<uuid::Uuid>().ok().map(OrganisationId),
            _ => default_org,
        };
        if org.is_none() {
            e.add("organisation_id", "Vælg en organisation.");
        }
        let mut units = Vec::new();
        for u in &input.unit_ids {
            match u.trim().parse::<uuid::Uuid>() {
                Ok(id) => units.push(UnitId(id)),
                Err(_) => e.add("unit_ids", "En af de valgte enheder er ugyldig."),
            }
        }
        units.sort();
        units.dedup();
        let parsed = StaffData::parse(
            &input.username,
            &input.full_name,
            &input.profession,
            org.unwrap_or_default(),
            input.email.as_deref(),
            units,
        );
        match parsed {
            Ok(d) if e.is_empty() => Ok(d),
            Ok(_) => Err(e.into()),
            Err(mut more) => {
                more.fields.extend(e.fields);
                Err(more.into())
            }
        }
    }

    async fn check_staff_refs(&self, d: &StaffData) -> AppResult<()> {
        if self
            .store
            .get_organisation(d.organisation_id)
            .await?
            .is_none()
        {
            return Err(
                ValidationErrors::single("organisation_id", "Organisationen findes ikke.").into(),
            );
        }
        let units = self.store.list_units().await?;
        if d.unit_ids
            .iter()
            .any(|id| !units.iter().any(|u| u.id == *id))
        {
            return Err(ValidationErrors::single(
                "unit_ids",
                "En af de valgte enheder findes ikke.",
            )
            .into());
        }
        Ok(())
    }

    pub async fn create_staff(&self, actor: &Actor, input: &StaffInput) -> AppResult<Staff> {
        self.admin(actor, Action::Create).await?;
        self.create_staff_unchecked(input, Some(actor.organisation_id))
            .await
    }

    /// For the `tvaers user add` command, run by an operator on the server.
    pub async fn create_staff_unchecked(
        &self,
        input: &StaffInput,
        default_org: Option<OrganisationId>,
    ) -> AppResult<Staff> {
        let data = self.parse_staff(input, default_org)?;
        let password = input.password.as_deref().unwrap_or_default();
        check_password(password)?;
        self.check_staff_refs(&data).await?;
        let hash = hash_password(password).await?;
        let staff = Staff {
            id: StaffId::new(),
            username: data.username,
            full_name: data.full_name,
            profession: data.profession,
            organisation_id: data.organisation_id,
            email: data.email,
            active: true,
            unit_ids: data.unit_ids,
        };
        self.store
            .create_staff(&staff, Some(&hash))
            .await
            .map_err(|e| match e {
                tvaers_store::StoreError::Conflict(_) => {
                    ValidationErrors::single("username", "Brugernavnet er allerede i brug.").into()
                }
                other => AppError::from(other),
            })?;
        self.directory_changed();
        Ok(staff)
    }

    pub async fn update_staff(
        &self,
        actor: &Actor,
        id: StaffId,
        input: &StaffInput,
    ) -> AppResult<Staff> {
        self.admin(actor, Action::Update).await?;
        let existing = self.store.get_staff(id).await?.ok_or(AppError::NotFound)?;
        let data = self.parse_staff(input, Some(existing.organisation_id))?;
        self.check_staff_refs(&data).await?;
        if id == actor.staff_id && !input.active {
            return Err(
                ValidationErrors::single("active", "Du kan ikke deaktivere dig selv.").into(),
            );
        }
        let staff = Staff {
            id,
            username: data.username,
            full_name: data.full_name,
            profession: data.profession,
            organisation_id: data.organisation_id,
            email: data.email,
            active: input.active,
            unit_ids: data.unit_ids,
        };
        self.store.update_staff(&staff).await.map_err(|e| match e {
            tvaers_store::StoreError::Conflict(_) => {
                ValidationErrors::single("username", "Brugernavnet er allerede i brug.").into()
            }
            other => AppError::from(other),
        })?;
        if !staff.active {
            self.store.delete_sessions_of(id).await?;
        }
        self.directory_changed();
        Ok(staff)
    }

    /// Sets a new password (operator command or administrator) and ends the
    /// user's sessions.
    pub async fn set_password_unchecked(&self, username: &str, password: &str) -> AppResult<()> {
        check_password(password)?;
        let (staff, _) = self
            .store
            .get_staff_by_username(&username.trim().to_lowercase())
            .await?
            .ok_or(AppError::NotFound)?;
        let hash = hash_password(password).await?;
        self.store.set_password_hash(staff.id, &hash).await?;
        self.store.delete_sessions_of(staff.id).await?;
        Ok(())
    }

    /// Disables an account (operator command) and ends its sessions.
    pub async fn disable_unchecked(&self, username: &str) -> AppResult<()> {
        let (mut staff, _) = self
            .store
            .get_staff_by_username(&username.trim().to_lowercase())
            .await?
            .ok_or(AppError::NotFound)?;
        staff.active = false;
        self.store.update_staff(&staff).await?;
        self.directory_changed();
        self.store.delete_sessions_of(staff.id).await?;
        Ok(())
    }
}
