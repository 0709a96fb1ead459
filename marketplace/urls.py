from django.urls import path

from marketplace.views import (
    accounts,
    collections,
    follows,
    listings,
    pages,
    privacy,
    storefront,
)

urlpatterns = [
    path("", pages.home, name="home"),
    path("browse/", listings.browse, name="listing_browse"),
    path("listings/new/", listings.create, name="listing_create"),
    path("listings/<uuid:listing_id>/", listings.detail, name="listing_detail"),
    path("listings/<uuid:listing_id>/edit/", listings.edit, name="listing_edit"),
    path("listings/<uuid:listing_id>/publish/", listings.publish, name="listing_publish"),
    path("listings/<uuid:listing_id>/unpublish/", listings.unpublish, name="listing_unpublish"),
    path("listings/<uuid:listing_id>/favourite/", listings.favourite, name="listing_favourite"),
    path("listings/<uuid:listing_id>/similar/", listings.similar, name="listing_similar"),
    path("favourites/", listings.favourites, name="favourites"),
    path(
        "listings/<uuid:listing_id>/collect/",
        collections.listing_add,
        name="listing_collection_add",
    ),
    path("collections/mine/", collections.mine, name="collections_mine"),
    path("collections/new/", collections.create, name="collection_create"),
    path("collections/<uuid:collection_id>/", collections.detail, name="collection_detail"),
    path("collections/<uuid:collection_id>/edit/", collections.edit, name="collection_edit"),
    path("collections/<uuid:collection_id>/order/", collections.reorder, name="collection_reorder"),
    path(
        "collections/<uuid:collection_id>/items/<int:item_id>/move/",
        collections.item_move,
        name="collection_item_move",
    ),
    path(
        "collections/<uuid:collection_id>/items/<int:item_id>/remove/",
        collections.item_remove,
        name="collection_item_remove",
    ),
    # Delete last, so tests/security/test_form_properties.py tries the others first.
    path("collections/<uuid:collection_id>/delete/", collections.delete, name="collection_delete"),
    path("creators/<int:creator_id>/", storefront.storefront, name="storefront"),
    path("creators/<int:creator_id>/follow/", follows.creator_follow_view, name="creator_follow"),
    path(
        "creators/<int:creator_id>/unfollow/",
        follows.creator_unfollow_view,
        name="creator_unfollow",
    ),
    path("styles/<uuid:style_id>/follow/", follows.style_follow_view, name="style_follow"),
    path("styles/<uuid:style_id>/unfollow/", follows.style_unfollow_view, name="style_unfollow"),
    path("following/", follows.following, name="following"),
    path("privacy/", privacy.privacy_policy, name="privacy"),
    path("accounts/privacy/", privacy.privacy_settings, name="privacy_settings"),
    path("accounts/privacy/export/", privacy.privacy_export, name="privacy_export"),
    path("accounts/profile/", accounts.profile, name="profile"),
    path("accounts/creator/", accounts.creator_onboarding, name="creator_onboarding"),
]
