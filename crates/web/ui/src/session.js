// The signed-in user and what the role may do. These mirror zhicheng_model::Actor; the server
// checks every call anyway, the UI only leaves out what the role may not do.
export function canAdminRegistry(me) {
  return !!me && (me.role === "admin" || me.role === "operator");
}
export function canAdminUsers(me) {
  return !!me && me.role === "admin";
}
/** May this user change things owned by `department` (entities, device tokens)? */
export function canWriteDepartment(me, department) {
  if (!me) return false;
  if (me.role === "admin" || me.role === "operator") return true;
  return me.role === "department" && me.department === department;
}
/** May this user create entities at all (in some department)? */
export function canWriteEntities(me) {
  return !!me && me.role !== "viewer";
}
