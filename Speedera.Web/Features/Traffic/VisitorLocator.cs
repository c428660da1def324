namespace Speedera.Web.Features.Traffic;

/// <summary>Places a client subnet in a country for the visitor map.</summary>
public interface IVisitorLocator
{
    /// <summary>Attribution the pages must show beside located data (the IP database's licence), null without data.</summary>
    string? Attribution { get; }

    /// <summary>ISO 3166-1 alpha-2 code and English name of the subnet's country, or null when unknown.</summary>
    (string Code, string Name)? Locate(string clientSubnet);
}
