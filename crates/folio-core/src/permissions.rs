//! Who may do what to which post. The web layer asks these functions before every
//! write, for the admin UI and the API alike, so the rules live in one place.

use crate::model::{PostStatus, Role};

/// The signed-in user a request acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
}

/// An action on one post or page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostAction {
    /// Read it in the admin area or API, drafts included.
    View,
    /// Change its text or metadata without changing whether it is public.
    Edit,
    /// Make it public now or schedule it (or take it back to draft).
    Publish,
    Delete,
}

impl Actor {
    /// Whether this actor may perform `action` on a post written by `author_id`.
    ///
    /// Owners, admins and editors act on every post. An author acts on their own posts,
    /// publishing included. A contributor writes and edits their own drafts and can never
    /// publish, schedule, or delete what is already public.
    pub fn may(&self, action: PostAction, author_id: i64, current: PostStatus) -> bool {
        let own = author_id == self.user_id;
        match self.role {
            Role::Owner | Role::Admin | Role::Editor => true,
            Role::Author => own,
            Role::Contributor => {
                own && match action {
                    PostAction::View => true,
                    PostAction::Edit | PostAction::Delete => current == PostStatus::Draft,
                    PostAction::Publish => false,
                }
            }
        }
    }

    /// Whether this actor may create a post with `status` (anyone may write a draft).
    pub fn may_create(&self, status: PostStatus) -> bool {
        status == PostStatus::Draft || self.role != Role::Contributor
    }

    /// Users, roles, tokens of others and site settings.
    pub fn may_manage_site(&self) -> bool {
        matches!(self.role, Role::Owner | Role::Admin)
    }

    /// Removing a file from the media library: one's own uploads, or anyone's for
    /// owners, admins and editors (who manage every post that might use it).
    pub fn may_delete_media(&self, uploaded_by: Option<i64>) -> bool {
        matches!(self.role, Role::Owner | Role::Admin | Role::Editor)
            || uploaded_by == Some(self.user_id)
    }

    /// Tags are shared by every writer; renaming or deleting one touches others' posts.
    pub fn may_manage_tags(&self) -> bool {
        matches!(self.role, Role::Owner | Role::Admin | Role::Editor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PostAction::*;

    fn actor(role: Role) -> Actor {
        Actor { user_id: 1, role }
    }

    #[test]
    fn contributors_never_publish() {
        let c = actor(Role::Contributor);
        assert!(!c.may(Publish, 1, PostStatus::Draft));
        assert!(!c.may_create(PostStatus::Published));
        assert!(!c.may_create(PostStatus::Scheduled));
        assert!(c.may_create(PostStatus::Draft));
        assert!(c.may(Edit, 1, PostStatus::Draft));
        assert!(!c.may(Edit, 1, PostStatus::Published));
        assert!(!c.may(View, 2, PostStatus::Draft));
    }

    #[test]
    fn authors_act_only_on_their_own() {
        let a = actor(Role::Author);
        for action in [View, Edit, Publish, Delete] {
            assert!(a.may(action, 1, PostStatus::Published));
            assert!(!a.may(action, 2, PostStatus::Draft));
        }
        assert!(a.may_create(PostStatus::Published));
        assert!(!a.may_manage_site());
        assert!(!a.may_manage_tags());
    }

    #[test]
    fn editors_act_on_all_posts_but_not_the_site() {
        let e = actor(Role::Editor);
        assert!(e.may(Publish, 2, PostStatus::Draft));
        assert!(e.may(Delete, 2, PostStatus::Published));
        assert!(!e.may_manage_site());
        assert!(e.may_manage_tags());
        assert!(actor(Role::Admin).may_manage_site());
        assert!(actor(Role::Owner).may_manage_site());
    }
}
