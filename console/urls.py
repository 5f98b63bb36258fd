from django.urls import path

from console import views, views_admin

app_name = "console"

org = "<str:env>/<str:oc_id>/"

urlpatterns = [
    path("", views.console_home_view, name="home"),
    path(org, views.console_page_view, name="console"),
    path(org + "context/", views.context_set_view, name="context-set"),
    path(org + "context/clients/", views.context_clients_view, name="context-clients"),
    path(org + "context/users/", views.context_users_view, name="context-users"),
    path(org + "operations/", views.operation_list_view, name="operations"),
    path(org + "builder/", views.builder_view, name="builder"),
    path(org + "send/", views.send_view, name="send"),
    path(org + "history/", views.history_view, name="history"),
    path(org + "history/clear/", views.history_clear_view, name="history-clear"),
    path(org + "history/<int:pk>/rerun/", views.history_rerun_view, name="history-rerun"),
    path(org + "history/<int:pk>/curl/", views.token_reveal_view, name="token-reveal"),
    path(org + "apiclients/", views_admin.api_client_list_view, name="apiclients"),
    path(org + "apiclients/new/", views_admin.api_client_edit_view, name="apiclient-create"),
    path(org + "apiclients/<str:client_id>/", views_admin.api_client_edit_view, name="apiclient-edit"),
    path(org + "apiclients/<str:client_id>/delete/", views_admin.api_client_delete_view, name="apiclient-delete"),
    path(org + "apiclients/<str:client_id>/secrets/", views_admin.api_client_secret_create_view,
         name="apiclient-secret-create"),
    path(org + "apiclients/<str:client_id>/secrets/<str:secret_id>/delete/", views_admin.api_client_secret_delete_view,
         name="apiclient-secret-delete"),
    path(org + "webhooks/", views_admin.webhook_list_view, name="webhooks"),
    path(org + "webhooks/new/", views_admin.webhook_edit_view, name="webhook-create"),
    path(org + "webhooks/<str:webhook_id>/", views_admin.webhook_edit_view, name="webhook-edit"),
    path(org + "webhooks/<str:webhook_id>/delete/", views_admin.webhook_delete_view, name="webhook-delete"),
]
