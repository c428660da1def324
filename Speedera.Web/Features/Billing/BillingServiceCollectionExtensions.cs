namespace Speedera.Web.Features.Billing;

public static class BillingServiceCollectionExtensions
{
    /// <summary>Plans, rating, invoices, PDF, reminders and Stripe; keys from configuration only.</summary>
    public static IServiceCollection AddBilling(this IServiceCollection services)
    {
        services.AddOptions<BillingOptions>().BindConfiguration(BillingOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.Supplier.Country is { Length: 2 } && !string.IsNullOrWhiteSpace(o.Supplier.Name) && !string.IsNullOrWhiteSpace(o.Supplier.VatId),
                "Speedera:Billing:Supplier needs Name, VatId and a two-letter Country (they are printed on every invoice).")
            .Validate(o => o.Stripe.WebhookTolerance > TimeSpan.Zero && o.Stripe.WebhookTolerance <= TimeSpan.FromHours(1),
                "Speedera:Billing:Stripe:WebhookTolerance must be between 0 and 1 hour, e.g. 00:05:00.")
            .Validate(o => o.SchedulerInterval >= TimeSpan.FromSeconds(1), "Speedera:Billing:SchedulerInterval must be at least one second.")
            .ValidateOnStart();
        services.AddHttpClient(StripeClientProvider.HttpClientName);
        services.AddSingleton<StripeClientProvider>();
        services.AddSingleton<StripePayments>();
        services.AddSingleton<StripeWebhook>();
        services.AddSingleton<BillingAdmin>();
        services.AddSingleton<BillingRating>();
        services.AddSingleton<InvoiceIssuer>();
        services.AddSingleton<BillingQueries>();
        services.AddSingleton<BillingScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<BillingScheduler>());
        return services;
    }
}
