using Google.Protobuf;
using Grpc.Core;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.RedBoxContract;

/// <summary>
/// The one way red-box says "I answered, Slurm did not": a <see cref="Proto.SlurmUnreachable"/> in a binary trailer of
/// its UNAVAILABLE status. An UNAVAILABLE without it never came from red-box (no socket, connection refused, red-box
/// restarting).
/// </summary>
internal static class SlurmUnreachableTrailer
{
    public const string Key = "slurmk8s-slurm-unreachable-bin";

    /// <summary>The trailers red-box sends with an UNAVAILABLE of its own; <paramref name="where"/> is where it asked ("" when not known).</summary>
    public static Metadata For(string where) => new() { { Key, new Proto.SlurmUnreachable { Where = where }.ToByteArray() } };

    /// <summary>red-box's detail, when the status came from red-box; null when it did not.</summary>
    public static Proto.SlurmUnreachable? Find(Metadata? trailers) =>
        trailers?.Get(Key) is { IsBinary: true } entry ? Proto.SlurmUnreachable.Parser.ParseFrom(entry.ValueBytes) : null;
}
