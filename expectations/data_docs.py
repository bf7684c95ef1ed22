"""Great Expectations Data Docs that work offline and show warnings as warnings
(docs/data-quality.md).

GX's page templates load 16 stylesheets, scripts and fonts from CDNs (bootstrap 4.3.1,
bootstrap-table 1.19.1, jQuery 3.7.1, vega 5, font-awesome 6.6, ...): offline, the index shows
no results and every page is unstyled. GX's own customisation points fix that without patching
GX: the site builder takes the view, renderer and index builder classes from its configuration
(`site_config`). The views here put `data_docs/templates/` in front of GX's templates; those are
GX 1.24.1's own templates with each CDN link replaced by a vendored copy of exactly that version
(`data_docs/vendor/`, README there), which `build` copies into the site's `static/vendor/`.

A warn-level check (docs/data-quality.md: it reports, it does not block) carries GX severity
`warning`. GX
would still show its failure, and its suite's, as a red "Failed"; here a failed warn-level
expectation gets a yellow warning sign, and a validation whose only failures are warnings reads
"Passed with warnings" on its page and "Warning" in the index, as `trd check` and the reports
say.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from great_expectations.data_context import AbstractDataContext
from great_expectations.expectations.metadata_types import FailureSeverity
from great_expectations.render import RenderedStringTemplateContent
from great_expectations.render.renderer import (
    SiteIndexPageRenderer,
    ValidationResultsPageRenderer,
)
from great_expectations.render.renderer.content_block import (
    ValidationResultsTableContentBlockRenderer,
)
from great_expectations.render.renderer.site_builder import DefaultSiteIndexBuilder
from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView
from jinja2 import ChoiceLoader, FileSystemLoader

HERE = Path(__file__).resolve().parent / "data_docs"
TEMPLATES = HERE / "templates"
VENDOR = HERE / "vendor"
WARNING_ONLY = "warning"
"""An index entry's status when every failed expectation of the validation is warn-level."""
WARNING_ICON = ["fas", "fa-exclamation-triangle", "text-warning"]


def site_config(docs_dir: Path) -> dict[str, Any]:
    """The `data_docs_sites` entry of a GX context: a local site in `docs_dir`, built with
    this module's views (offline templates) and warning-aware renderers."""
    here = {"module_name": __name__}
    return {
        "class_name": "SiteBuilder",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(docs_dir),
        },
        "site_index_builder": {
            **here,
            "class_name": "WarningAwareSiteIndexBuilder",
            "renderer": {**here, "class_name": "WarningAwareIndexRenderer"},
            "view": {**here, "class_name": "OfflineIndexPageView"},
        },
        "site_section_builders": {
            "expectations": {"view": {**here, "class_name": "OfflinePageView"}},
            "validations": {
                "renderer": {
                    **here,
                    "class_name": "WarningAwareValidationRenderer",
                    "column_section_renderer": {
                        "class_name": "ValidationResultsColumnSectionRenderer",
                        "table_renderer": {**here, "class_name": "WarningAwareTableRenderer"},
                    },
                },
                "view": {**here, "class_name": "OfflinePageView"},
            },
            "profiling": "None",  # trd profiles nothing (GX reads the text "None" as off)
        },
    }


def build(context: AbstractDataContext, site_name: str, docs_dir: Path) -> Path:
    """Build the site and put the vendored assets beside GX's own static files; returns the
    index page."""
    context.build_data_docs(site_names=[site_name])
    shutil.copytree(VENDOR, docs_dir / "static" / "vendor", dirs_exist_ok=True)
    return docs_dir / "index.html"


def _offline_loader(view: Any) -> None:
    """Our templates first: GX puts its package's templates ahead of any custom folder."""
    view.env.loader = ChoiceLoader([FileSystemLoader(str(TEMPLATES)), view.env.loader])


class OfflinePageView(DefaultJinjaPageView):
    def __init__(self, custom_styles_directory=None, custom_views_directory=None) -> None:
        super().__init__(custom_styles_directory, custom_views_directory)
        _offline_loader(self)


class OfflineIndexPageView(DefaultJinjaIndexPageView):
    def __init__(self, custom_styles_directory=None, custom_views_directory=None) -> None:
        super().__init__(custom_styles_directory, custom_views_directory)
        _offline_loader(self)


def warnings_only(results: Any) -> bool:
    """Some expectations failed, and every one of them is warn-level."""
    failed = [r for r in results if not r.success]
    return bool(failed) and all(
        r.expectation_config is not None
        and r.expectation_config.severity == FailureSeverity.WARNING
        for r in failed
    )


def _icon(classes: list[str]) -> RenderedStringTemplateContent:
    return RenderedStringTemplateContent(
        content_block_type="string_template",
        string_template={
            "template": "$icon",
            "params": {"icon": ""},
            "styling": {"params": {"icon": {"classes": classes, "tag": "i"}}},
        },
    )


class WarningAwareTableRenderer(ValidationResultsTableContentBlockRenderer):
    """A failed warn-level expectation's row shows a warning sign, not GX's red cross."""

    @classmethod
    def _get_content_block_fn(cls, expectation_type: str, expectation_config: Any = None) -> Any:
        row_fn = super()._get_content_block_fn(expectation_type, expectation_config)
        if row_fn is None:
            return None

        def rows(*args: Any, **kwargs: Any) -> Any:
            output = row_fn(*args, **kwargs)
            result = kwargs.get("result")
            config = getattr(result, "expectation_config", None)
            warn = config is not None and config.severity == FailureSeverity.WARNING
            if warn and not result.success and output and output[0]:
                output[0][0] = _icon(WARNING_ICON)
            return output

        return rows


class WarningAwareValidationRenderer(ValidationResultsPageRenderer):
    """'Status: Passed with warnings' when only warn-level expectations failed."""

    @classmethod
    def _render_validation_header(cls, validation_results: Any) -> Any:
        header = super()._render_validation_header(validation_results)
        if not validation_results.success and warnings_only(validation_results.results):
            params = header.subheader.string_template["params"]
            params["success"] = "Passed with warnings"
            params["html_success_icon"] = (
                '<i class="fas fa-exclamation-triangle text-warning" aria-hidden="true"></i>'
            )
        return header


class WarningAwareSiteIndexBuilder(DefaultSiteIndexBuilder):
    """Marks index entries whose validation failed on warn-level checks only."""

    def add_resource_info_to_index_links_dict(self, *args: Any, **kwargs: Any) -> Any:
        failed = kwargs.get("validation_success") is False
        if kwargs.get("section_name") == "validations" and failed:
            validation = self.data_context.get_validation_result(
                batch_identifier=kwargs.get("batch_identifier"),
                expectation_suite_name=kwargs.get("expectation_suite_name"),
                run_id=kwargs.get("run_id"),
                validation_results_store_name=self.source_stores.get("validations"),
            )
            if warnings_only(getattr(validation, "results", [])):
                kwargs["validation_success"] = WARNING_ONLY
        return super().add_resource_info_to_index_links_dict(*args, **kwargs)


class WarningAwareIndexRenderer(SiteIndexPageRenderer):
    """The index's status column: a warning sign and 'Warning' for warning-only entries."""

    @classmethod
    def _render_validation_success_cell(cls, validation_success: Any) -> Any:
        if validation_success == WARNING_ONLY:
            return RenderedStringTemplateContent(
                content_block_type="string_template",
                string_template={
                    "template": "$validation_success",
                    "params": {"validation_success": ""},
                    "styling": {
                        "params": {
                            "validation_success": {
                                "tag": "i",
                                "classes": [*WARNING_ICON, "ge-warning-icon"],
                            }
                        },
                        "classes": ["ge-index-page-table-validation-links-item"],
                    },
                },
            )
        return super()._render_validation_success_cell(validation_success)

    @classmethod
    def _generate_validation_results_link_table(cls, index_links_dict: Any) -> Any:
        table = super()._generate_validation_results_link_table(index_links_dict)
        links = index_links_dict.get("validations_links", [])
        for link, row in zip(links, table.table_data, strict=True):
            if link.get("validation_success") == WARNING_ONLY:
                row["_validation_success_text"] = "Warning"
        return table
