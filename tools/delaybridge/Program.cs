using System.Globalization;
using Speedera.Tools.DelayBridge;

// delaybridge --link NAME:NS_A:DEV_A:ADDR_A:NS_B:DEV_B:ADDR_B:DELAY_MS [--link ...] [--control FILE]
// Commands on stdin (and lines of the control file, re-read when it changes):
//   delay NAME MS     set one link's one-way delay
//   delay MS          set every link's one-way delay
//   stats             print packets forwarded per link
//   quit              close the devices and exit (EOF on stdin does the same without --control)
var links = new List<Link>();
string? controlFile = null;
try
{
    for (var i = 0; i < args.Length; i++)
    {
        switch (args[i])
        {
            case "--link" when i + 1 < args.Length:
                var f = args[++i].Split(':');
                if (f.Length != 8)
                {
                    throw new ArgumentException($"--link needs NAME:NS_A:DEV_A:ADDR_A:NS_B:DEV_B:ADDR_B:DELAY_MS, got {args[i]}");
                }

                links.Add(new Link(f[0], new LinkEnd(f[1], f[2], f[3]), new LinkEnd(f[4], f[5], f[6]), Link.ParseDelay(f[7])));
                break;
            case "--control" when i + 1 < args.Length:
                controlFile = args[++i];
                break;
            default:
                throw new ArgumentException($"unknown argument {args[i]}");
        }
    }

    if (links.Count == 0)
    {
        throw new ArgumentException("at least one --link is required");
    }

    foreach (var link in links)
    {
        link.Configure();
        link.Start();
    }
}
catch (Exception ex) when (ex is ArgumentException or IOException or InvalidOperationException or FormatException)
{
    Console.Error.WriteLine($"delaybridge: {ex.Message}");
    foreach (var link in links)
    {
        link.Dispose();
    }

    return 2;
}

Console.WriteLine("ready " + string.Join(' ', links.Select(l => $"{l.Name}={l.Delay.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms")));
Console.Out.Flush();

using var quit = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    quit.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => quit.Cancel();

string Apply(string line)
{
    var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    if (words.Length == 0)
    {
        return string.Empty;
    }

    switch (words[0])
    {
        case "delay" when words.Length == 2:
            var all = Link.ParseDelay(words[1]);
            links.ForEach(l => l.Delay = all);
            return $"ok all={all.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms";
        case "delay" when words.Length == 3:
            var link = links.FirstOrDefault(l => l.Name == words[1]);
            if (link is null)
            {
                return $"error no link {words[1]}";
            }

            link.Delay = Link.ParseDelay(words[2]);
            return $"ok {link.Name}={link.Delay.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms";
        case "stats":
            return string.Join(' ', links.Select(l => $"{l.Name}:{l.Forwarded}"));
        case "quit":
            quit.Cancel();
            return "bye";
        default:
            return $"error unknown command: {line}";
    }
}

var stdin = Task.Run(() =>
{
    while (!quit.IsCancellationRequested && Console.In.ReadLine() is { } line)
    {
        try
        {
            Console.WriteLine(Apply(line));
        }
        catch (FormatException)
        {
            Console.WriteLine("error bad number");
        }

        Console.Out.Flush();
    }

    if (controlFile is null)
    {
        quit.Cancel();
    }
});

var lastControl = DateTime.MinValue;
while (!quit.IsCancellationRequested)
{
    if (controlFile is not null && File.Exists(controlFile) && File.GetLastWriteTimeUtc(controlFile) != lastControl)
    {
        lastControl = File.GetLastWriteTimeUtc(controlFile);
        foreach (var line in File.ReadAllLines(controlFile))
        {
            try
            {
                Console.WriteLine(Apply(line));
            }
            catch (FormatException)
            {
                Console.WriteLine("error bad number");
            }
        }
    }

    try
    {
        await Task.Delay(100, quit.Token);
    }
    catch (OperationCanceledException)
    {
    }
}

foreach (var link in links)
{
    link.Dispose();
}

return 0;
