from cunwu.accounts.permissions import assignments_of


def platform(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"my_assignments": []}
    return {"my_assignments": assignments_of(user)}
