from django.urls import path

from organizations import views, views_restore

app_name = "organizations"

org = "<str:env>/<str:oc_id>/"

urlpatterns = [
    path("", views.organization_list_view, name="list"),
    path("new/", views.organization_create_view, name="create"),
    path("invitations/", views.invitation_list_view, name="invitations"),
    path("invitations/<int:pk>/accept/", views.invitation_respond_view, {"decision": "accept"}, name="invitation-accept"),
    path("invitations/<int:pk>/decline/", views.invitation_respond_view, {"decision": "decline"},
         name="invitation-decline"),
    path("deleted/", views.deleted_list_view, name="deleted"),
    path("deleted/<int:pk>/restore/", views.organization_restore_view, name="restore"),
    path("production/", views.production_request_view, name="production"),
    path("production/review/", views.production_review_view, name="production-review"),
    path("production/review/<int:pk>/", views.production_review_view, name="production-decide"),
    path(org, views.organization_detail_view, name="detail"),
    path(org + "contributors/", views.contributor_save_view, name="contributor-save"),
    path(org + "contributors/<str:username>/", views.contributor_save_view, name="contributor-edit"),
    path(org + "contributors/<str:username>/remove/", views.contributor_remove_view, name="contributor-remove"),
    path(org + "settings/", views.organization_settings_view, name="settings"),
    path(org + "settings/code/<str:action>/", views.action_code_send_view, name="code-send"),
    path(org + "transfer/", views.organization_transfer_view, name="transfer"),
    path(org + "delete/", views.organization_delete_view, name="delete"),
    path(org + "activity/", views.organization_activity_view, name="activity"),
    path(org + "staging/", views.staging_twin_create_view, name="staging-create"),
    # staging restore (issue #7)
    path(org + "restore/", views_restore.staging_restore_view, name="staging-restore"),
    path(org + "restore/<int:pk>/progress/", views_restore.staging_restore_progress_view, name="staging-restore-progress"),
    path(org + "restore/webhook/", views_restore.restore_webhook_view, name="restore-webhook"),
]
