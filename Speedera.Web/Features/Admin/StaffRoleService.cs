using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Admin;

public sealed record RoleChange(bool Succeeded, string Message, string? Email = null)
{
    public static RoleChange Refused(string message) => new(false, "Error: " + message);
}

/// <summary>
/// Grants and revokes staff roles. Every change rotates the account's security stamp, so sessions
/// signed in before it lose their access on their next request (the cookie is validated on every
/// request); the last Admin cannot be revoked, so the portal always has someone to manage it.
/// </summary>
/// <summary>One account as the admin's user list shows it.</summary>
public sealed record UserSummary(string Id, string Email, string? Organization, IReadOnlyList<string> Roles, bool Confirmed, DateTimeOffset? LockoutEnd);

public sealed class StaffRoleService(UserManager<ApplicationUser> users, SpeederaDbContext db, IEmailSender<ApplicationUser> mail, TimeProvider time)
{
    public static readonly IReadOnlyList<string> StaffRoles = [Roles.Noc, Roles.Finance, Roles.Admin];

    // Two admins revoking each other at the same moment must not leave none (one portal process;
    // several instances would need a database lock here).
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>Every account with its organization and roles, ordered by e-mail.</summary>
    public async Task<IReadOnlyList<UserSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        var accounts = await db.Users.AsNoTracking().Include(u => u.Organization).OrderBy(u => u.Email).ToListAsync(cancellationToken);
        var roleNames = await db.Roles.AsNoTracking().ToDictionaryAsync(r => r.Id, r => r.Name!, cancellationToken);
        var userRoles = (await db.UserRoles.AsNoTracking().ToListAsync(cancellationToken)).ToLookup(ur => ur.UserId, ur => roleNames[ur.RoleId]);
        return accounts.Select(u => new UserSummary(u.Id, u.Email ?? u.UserName ?? u.Id, u.Organization?.Name, userRoles[u.Id].Order().ToList(), u.EmailConfirmed, u.LockoutEnd)).ToList();
    }

    /// <summary>Checks a revocation without doing it, for the confirmation step.</summary>
    public async Task<RoleChange> CheckRevokeAsync(string userId, string role)
    {
        var (user, error) = await FindStaffAsync(userId, role);
        return error ?? await CheckRevokeAsync(user!, role);
    }

    public async Task<RoleChange> RevokeAsync(string userId, string role)
    {
        await Gate.WaitAsync();
        try
        {
            var (user, error) = await FindStaffAsync(userId, role);
            if ((error ?? await CheckRevokeAsync(user!, role)) is { Succeeded: false } refused)
            {
                return refused;
            }

            var result = await users.RemoveFromRoleAsync(user!, role);
            if (result.Succeeded)
            {
                result = await users.UpdateSecurityStampAsync(user!);
            }

            return result.Succeeded
                ? new RoleChange(true, $"{role} revoked from {user!.Email}; their open sessions lost access at once.", user.Email)
                : RoleChange.Refused(string.Join(" ", result.Errors.Select(e => e.Description)));
        }
        finally
        {
            Gate.Release();
        }
    }

    public async Task<RoleChange> GrantAsync(string userId, string role)
    {
        await Gate.WaitAsync();
        try
        {
            var (user, error) = await FindStaffAsync(userId, role);
            if (error is not null)
            {
                return error;
            }

            if (await users.IsInRoleAsync(user!, role))
            {
                return RoleChange.Refused($"{user!.Email} already has {role}.");
            }

            var result = await users.AddToRoleAsync(user!, role);
            if (result.Succeeded)
            {
                result = await users.UpdateSecurityStampAsync(user!);
            }

            return result.Succeeded
                ? new RoleChange(true, $"{role} granted to {user!.Email}; they sign in again to use it.", user.Email)
                : RoleChange.Refused(string.Join(" ", result.Errors.Select(e => e.Description)));
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>
    /// Creates a staff account with one role and mails it a link to choose a password;
    /// <paramref name="resetLink"/> turns the reset code into that link.
    /// </summary>
    public async Task<RoleChange> AddStaffAsync(string email, string role, Func<string, string> resetLink)
    {
        if (!StaffRoles.Contains(role))
        {
            return RoleChange.Refused("Choose NOC, Finance or Admin.");
        }

        email = email.Trim();
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, CreatedAt = time.GetUtcNow().UtcDateTime };
        var result = await users.CreateAsync(user);
        if (result.Succeeded)
        {
            result = await users.AddToRoleAsync(user, role);
        }

        if (!result.Succeeded)
        {
            return RoleChange.Refused(string.Join(" ", result.Errors.Select(e => e.Description)));
        }

        var code = Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(System.Text.Encoding.UTF8.GetBytes(await users.GeneratePasswordResetTokenAsync(user)));
        await mail.SendPasswordResetLinkAsync(user, email, System.Text.Encodings.Web.HtmlEncoder.Default.Encode(resetLink(code)));
        return new RoleChange(true, $"{email} added as {role}; a link to choose a password was sent.", email);
    }

    /// <summary>Checks a removal without doing it, for the confirmation step.</summary>
    public async Task<RoleChange> CheckRemoveUserAsync(string userId, string? actingUserId)
    {
        var user = await users.FindByIdAsync(userId);
        return user is null ? RoleChange.Refused("There is no such account.") : await CheckRemoveUserAsync(user, actingUserId);
    }

    /// <summary>
    /// Deletes an account (staff or customer). Its sessions and open pages end at once (cookies and circuits are checked
    /// against the account); what it did stays in the logs under its e-mail. Not oneself, not the last Admin, and not
    /// the last owner of an organization that still has other members.
    /// </summary>
    public async Task<RoleChange> RemoveUserAsync(string userId, string? actingUserId)
    {
        await Gate.WaitAsync();
        try
        {
            var user = await users.FindByIdAsync(userId);
            if (user is null)
            {
                return RoleChange.Refused("There is no such account.");
            }

            if (await CheckRemoveUserAsync(user, actingUserId) is { Succeeded: false } refused)
            {
                return refused;
            }

            var result = await users.DeleteAsync(user);
            return result.Succeeded
                ? new RoleChange(true, $"{user.Email} removed; their sessions ended.", user.Email)
                : RoleChange.Refused(string.Join(" ", result.Errors.Select(e => e.Description)));
        }
        finally
        {
            Gate.Release();
        }
    }

    private async Task<RoleChange> CheckRemoveUserAsync(ApplicationUser user, string? actingUserId)
    {
        if (user.Id == actingUserId)
        {
            return RoleChange.Refused("You cannot remove your own account here.");
        }

        if (await users.IsInRoleAsync(user, Roles.Admin) && !(await users.GetUsersInRoleAsync(Roles.Admin)).Any(u => u.Id != user.Id && u.EmailConfirmed))
        {
            return RoleChange.Refused($"{user.Email} is the last Admin: grant Admin to another staff member first.");
        }

        if (user.OrganizationId is { } organization && (user.OrganizationRole ?? OrganizationRole.Owner) == OrganizationRole.Owner
            && await db.Users.AnyAsync(u => u.OrganizationId == organization && u.Id != user.Id)
            && !await db.Users.AnyAsync(u => u.OrganizationId == organization && u.Id != user.Id && (u.OrganizationRole == null || u.OrganizationRole == OrganizationRole.Owner)))
        {
            return RoleChange.Refused($"{user.Email} is the last owner of an organization with other members: its members must choose another owner first.");
        }

        return new RoleChange(true, "", user.Email);
    }

    private async Task<(ApplicationUser? User, RoleChange? Error)> FindStaffAsync(string userId, string role)
    {
        var user = await users.FindByIdAsync(userId);
        return user is null || user.OrganizationId is not null || !StaffRoles.Contains(role)
            ? (null, RoleChange.Refused("That change is not possible."))
            : (user, null);
    }

    private async Task<RoleChange> CheckRevokeAsync(ApplicationUser user, string role)
    {
        if (!await users.IsInRoleAsync(user, role))
        {
            return RoleChange.Refused($"{user.Email} does not have {role}.");
        }

        if (role == Roles.Admin && !(await users.GetUsersInRoleAsync(Roles.Admin)).Any(u => u.Id != user.Id && u.EmailConfirmed))
        {
            return RoleChange.Refused($"{user.Email} is the last Admin: grant Admin to another staff member first.");
        }

        return new RoleChange(true, "", user.Email);
    }
}
