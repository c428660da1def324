namespace Speedera.Tests.Integration.ConfigPush;

/// <summary>
/// A test with a control plane (the real portal on a loopback socket) and edge node processes under one temporary
/// folder; disposing stops the nodes, then the control plane and whatever else was registered, and removes the folder.
/// </summary>
public abstract class ControlPlaneScenario : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _others = [];

    protected ControlPlaneScenario(string name) =>
        Root = Path.Combine(Path.GetTempPath(), $"speedera-{name}-{Guid.NewGuid():N}");

    protected string Root { get; }

    internal List<EdgeNodeProcess> Nodes { get; } = [];

    internal ControlPlaneHost? ControlPlane { get; set; }

    /// <summary>Disposed after the nodes and the control plane.</summary>
    protected T Own<T>(T disposable)
        where T : IAsyncDisposable
    {
        _others.Add(disposable);
        return disposable;
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }

        if (ControlPlane is not null)
        {
            await ControlPlane.DisposeAsync();
        }

        foreach (var other in _others)
        {
            await other.DisposeAsync();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
