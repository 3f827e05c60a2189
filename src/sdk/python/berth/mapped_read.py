"""Reading large parts of a data file into new Python objects with one memory copy each.

The file is mapped and each part copied straight from the page cache into its new array.array (or
bytearray): reading into a pre-allocated array instead would first have to fill it, and reading
into a bytes object would need a second copy into the array.
"""
import array
import mmap


def copy_ranges(f, ranges):
    """[(offset, size, array type code or None)] of the open binary file f -> [array.array or bytearray]."""
    if not ranges:
        return []
    with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        out = []
        for offset, size, typecode in ranges:
            if offset < 0 or size < 0 or offset + size > len(mapped):
                raise ValueError(f"the file is shorter than its header says ({offset + size} bytes needed, {len(mapped)} there)")
            with memoryview(mapped)[offset:offset + size] as part:
                if typecode is None:
                    out.append(bytearray(part))
                else:
                    values = array.array(typecode)
                    values.frombytes(part)
                    out.append(values)
        return out
