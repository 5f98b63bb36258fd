from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("username/", views.username_choose_view, name="username-choose"),
    path("profile/", views.profile_view, name="profile"),
    path("authentication/", views.authentication_view, name="authentication"),
    path("authentication/<int:pk>/unlink/", views.social_account_disconnect_view, name="social-account-disconnect"),
    path("users/search", views.user_search_api_view, name="user-search"),
    path("users/autocomplete", views.user_autocomplete_view, name="user-autocomplete"),
]
