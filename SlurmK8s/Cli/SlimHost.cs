using Microsoft.AspNetCore.Builder;

namespace SlurmK8s.Cli;

/// <summary>The Kestrel hosts of red-box and the operator's health server.</summary>
internal static class SlimHost
{
    /// <summary>
    /// A slim builder that watches no files. By default the host reloads appsettings on change by watching its
    /// content root — the working directory — recursively with inotify: started from / that was 50,000 watches
    /// and a stall. We read no appsettings, so: content root = the binary's directory, and no reload.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder() => WebApplication.CreateSlimBuilder(new WebApplicationOptions
    {
        ContentRootPath = AppContext.BaseDirectory,
        Args = ["--hostBuilder:reloadConfigOnChange=false"],
    });
}
