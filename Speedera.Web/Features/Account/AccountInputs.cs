using System.ComponentModel.DataAnnotations;

namespace Speedera.Web.Features.Account;

public sealed class RegisterInput
{
    [Required(ErrorMessage = "Enter your organization's name.")]
    [StringLength(100, MinimumLength = 2, ErrorMessage = "The organization name must be 2 to 100 characters long.")]
    [PlainText]
    [Display(Name = "Organization name")]
    public string OrganizationName { get; set; } = "";

    [Required(ErrorMessage = "Enter your e-mail address.")]
    [EmailAddress(ErrorMessage = "Enter a valid e-mail address, like name@example.com.")]
    [StringLength(256, ErrorMessage = "The e-mail address is too long.")]
    public string Email { get; set; } = "";

    [Required(ErrorMessage = "Choose a password.")]
    [StringLength(128, MinimumLength = 10, ErrorMessage = "The password must be 10 to 128 characters long.")]
    [DataType(DataType.Password)]
    public string Password { get; set; } = "";

    [DataType(DataType.Password)]
    [Compare(nameof(Password), ErrorMessage = "The passwords do not match.")]
    [Display(Name = "Confirm password")]
    public string ConfirmPassword { get; set; } = "";
}

public sealed class LoginInput
{
    [Required(ErrorMessage = "Enter your e-mail address.")]
    [EmailAddress(ErrorMessage = "Enter a valid e-mail address.")]
    public string Email { get; set; } = "";

    [Required(ErrorMessage = "Enter your password.")]
    [DataType(DataType.Password)]
    public string Password { get; set; } = "";

    [Display(Name = "Keep me signed in")]
    public bool RememberMe { get; set; }
}

public sealed class EmailInput
{
    [Required(ErrorMessage = "Enter your e-mail address.")]
    [EmailAddress(ErrorMessage = "Enter a valid e-mail address.")]
    public string Email { get; set; } = "";
}

public sealed class ResetPasswordInput
{
    [Required(ErrorMessage = "Enter your e-mail address.")]
    [EmailAddress(ErrorMessage = "Enter a valid e-mail address.")]
    public string Email { get; set; } = "";

    [Required(ErrorMessage = "Choose a new password.")]
    [StringLength(128, MinimumLength = 10, ErrorMessage = "The password must be 10 to 128 characters long.")]
    [DataType(DataType.Password)]
    public string Password { get; set; } = "";

    [DataType(DataType.Password)]
    [Compare(nameof(Password), ErrorMessage = "The passwords do not match.")]
    public string ConfirmPassword { get; set; } = "";

    [Required]
    public string Code { get; set; } = "";
}

public sealed class ChangePasswordInput
{
    [Required(ErrorMessage = "Enter your current password.")]
    [DataType(DataType.Password)]
    public string OldPassword { get; set; } = "";

    [Required(ErrorMessage = "Choose a new password.")]
    [StringLength(128, MinimumLength = 10, ErrorMessage = "The password must be 10 to 128 characters long.")]
    [DataType(DataType.Password)]
    public string NewPassword { get; set; } = "";

    [DataType(DataType.Password)]
    [Compare(nameof(NewPassword), ErrorMessage = "The passwords do not match.")]
    public string ConfirmPassword { get; set; } = "";
}

/// <summary>
/// Rejects control characters, angle brackets and invisible formatting characters in names that are
/// shown to other people; ordinary Unicode letters (München, 東京) are fine.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PlainTextAttribute() : ValidationAttribute("{0} may contain letters, digits, spaces and punctuation, but not < > or control characters.")
{
    public override bool IsValid(object? value) =>
        value is not string s || !s.Any(c => char.IsControl(c) || c is '<' or '>' || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format);
}
