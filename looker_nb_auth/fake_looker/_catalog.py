"""What a user finds when browsing the stand-in: its LookML models, folders and dashboards.

The Looks themselves (`LOOKS`) and their queries live in ``_data.py``; this module says which
folder holds each, which dashboards show them, and who may see which model. Looker grants a
model through a role's model set; here the ``finance`` model's set belongs to the role of group
``"2"``, so Ada (admin, and in that group) sees it and Grace does not.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._config import DemoUser

__all__ = [
    "DASHBOARDS",
    "FOLDERS",
    "LOOK_FOLDERS",
    "MODELS",
    "Dashboard",
    "Folder",
    "Model",
    "Tile",
]


@dataclass(frozen=True)
class Model:
    """A LookML model: its explores (``big`` ones exist only while ``big_rows`` is above 0)
    and the group whose role's model set holds it (None: everyone's)."""

    name: str
    label: str
    explores: tuple[str, ...] = ()
    big: tuple[str, ...] = ()
    group_id: str | None = None

    def visible_to(self, user: DemoUser) -> bool:
        return self.group_id is None or user.is_admin or user.in_group(self.group_id)

    def explore_names(self, big_rows: int) -> list[str]:
        return [*self.explores, *(self.big if big_rows > 0 else ())]


MODELS: dict[str, Model] = {
    model.name: model
    for model in (
        Model("demo", "Demo", explores=("orders",), big=("events",)),
        Model("finance", "Finance", group_id="2"),  # its explores are still in development
    )
}


@dataclass(frozen=True)
class Folder:
    """A folder: ``kind`` is ``"shared"`` (the Shared root), ``"users"`` (the Users root),
    ``"personal"`` (a user's own, owned by ``creator_id``) or ``""``."""

    id: str
    name: str
    parent_id: str | None
    kind: str = ""
    creator_id: str | None = None

    def base_json(self) -> dict[str, object]:
        """The folder as ``FolderBase`` (what a Look or a dashboard says of its folder)."""
        return {
            "name": self.name,
            "parent_id": self.parent_id,
            "id": self.id,
            "content_metadata_id": self.id,
            "created_at": "2026-01-02T09:00:00.000+00:00",
            "creator_id": self.creator_id,
            "child_count": sum(f.parent_id == self.id for f in FOLDERS.values()),
            "external_id": None,
            "is_embed": False,
            "is_embed_shared_root": False,
            "is_embed_users_root": False,
            "is_personal": self.kind == "personal",
            "is_personal_descendant": False,
            "is_shared_root": self.kind == "shared",
            "is_users_root": self.kind == "users",
            "can": {"index": True, "show": True, "create": True, "update": True},
        }


FOLDERS: dict[str, Folder] = {
    folder.id: folder
    for folder in (
        Folder("1", "Shared", None, kind="shared"),
        Folder("2", "Users", None, kind="users"),
        Folder("5", "Sales", "1", creator_id="1"),
        Folder("101", "Ada Lovelace", "2", kind="personal", creator_id="1"),
        Folder("102", "Grace Hopper", "2", kind="personal", creator_id="2"),
    )
}

#: The folder of each Look (`LOOKS`).
LOOK_FOLDERS = {"1": "5", "2": "5", "3": "1", "4": "101"}


@dataclass(frozen=True)
class Tile:
    """A dashboard element: a Look's (``look_id``) or a query's of its own (``query_id``)."""

    id: str
    title: str
    look_id: str | None = None
    query_id: str | None = None


@dataclass(frozen=True)
class Dashboard:
    id: str
    title: str
    description: str
    folder_id: str
    tiles: tuple[Tile, ...]


DASHBOARDS: dict[str, Dashboard] = {
    dashboard.id: dashboard
    for dashboard in (
        Dashboard(
            "1",
            "Sales overview",
            "Orders and revenue by region and by month.",
            "5",
            (Tile("11", "Sales by region", look_id="1"), Tile("12", "Monthly sales", look_id="2")),
        ),
        Dashboard(
            "2",
            "Category prices",
            "What each category sells for.",
            "1",
            (Tile("21", "Average price by category", query_id="103"),),
        ),
    )
}
