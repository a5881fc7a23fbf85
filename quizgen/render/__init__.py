"""Writers: turn problems and solutions (plain data) into text, HTML, PDF and other formats."""
