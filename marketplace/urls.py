from django.urls import path

from marketplace.views import accounts, follows, listings, pages, privacy, storefront

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
