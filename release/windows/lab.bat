@echo off
rem 在 notebooks 目录打开 JupyterLab。Open JupyterLab on the notebooks.
rem 用法 Usage: windows\lab.bat 输出目录\xuncha.duckdb
chcp 65001 >nul
setlocal
set "HERE=%~dp0.."
if not "%~1"=="" set "XUNCHA_DB=%~f1"
"%HERE%\.venv\Scripts\jupyter-lab.exe" --notebook-dir="%HERE%\notebooks"
